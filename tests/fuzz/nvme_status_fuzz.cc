// Fuzz target: completion queue entries and submission queue entries (nvme/status.h,
// nvme/submission_entry.h). Invariants: no crash/UB; a decoded CQE/SQE re-encodes to the
// input bytes exactly (both layouts have no bits the model drops, except SQE reserved
// CDW0 bits, which decoding refuses); status names and log lines are always produced;
// the Linux 15-bit value round-trips; a failure's offset is inside the input.
#include <cstddef>
#include <cstdint>
#include <span>

#include "nvme/copy_command.h"
#include "nvme/io_commands.h"
#include "nvme/status.h"
#include "nvme/submission_entry.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

template <class Array>
bool same_bytes(const Array& encoded, std::span<const std::uint8_t> input) {
  if (encoded.size() != input.size()) return false;
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (encoded[i] != input[i]) return false;
  }
  return true;
}

void check_sqe(std::span<const std::uint8_t> input) {
  using namespace xg::nvme;
  auto sqe = decode_submission_entry(input);
  if (!sqe) {
    XG_FUZZ_CHECK(sqe.error().offset <= input.size());
    return;
  }
  XG_FUZZ_CHECK(same_bytes(encode_submission_entry(*sqe), input));
  if (auto copy = decode_copy(*sqe)) {
    auto again = decode_copy(encode_copy(*copy));
    XG_FUZZ_CHECK(again.has_value() && *again == *copy);
  }
  if (auto io = decode_io(*sqe)) {
    auto again = decode_io(encode_io(*io));
    XG_FUZZ_CHECK(again.has_value() && *again == *io);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xg::nvme;
  const std::span<const std::uint8_t> input(data, size);
  if (size == kSubmissionEntrySize) {
    check_sqe(input);
    return 0;
  }
  auto cqe = decode_completion(input);
  if (!cqe) {
    XG_FUZZ_CHECK(cqe.error().offset <= size);
    return 0;
  }
  XG_FUZZ_CHECK(same_bytes(encode_completion(*cqe), input));
  const Status& s = cqe->status;
  XG_FUZZ_CHECK(!status_name(s).empty());
  XG_FUZZ_CHECK(!describe(s).empty());
  XG_FUZZ_CHECK(Status::from_linux(s.to_linux()) == s);
  return 0;
}
