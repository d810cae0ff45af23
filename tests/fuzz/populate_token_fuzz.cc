// Fuzz target: POPULATE TOKEN parameter list decoder (scsi/populate_token.h).
// Each input is decoded with the default ROD token limits and with tight ones (two ranges,
// a transfer-size cap, a short timeout). Invariants: no crash/UB; errors are ILLEGAL
// REQUEST with any parameter-list field pointer inside the input; a decoded list
// re-encodes to bytes that decode to the same value and pass the capacity check iff the
// original ranges do.
#include <cstddef>
#include <cstdint>
#include <span>

#include "scsi/populate_token.h"
#include "scsi/rod_token.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

constexpr std::uint32_t kAccepted[] = {xg::scsi::kRodTypeAccessUponReference,
                                       xg::scsi::kRodTypePointInTimeDefault};

void check(std::span<const std::uint8_t> input, const xg::scsi::RodTokenLimits& limits) {
  using namespace xg::scsi;
  auto decoded = decode_populate_token(input, limits, kAccepted);
  if (!decoded) {
    const Sense& s = decoded.error();
    XG_FUZZ_CHECK(s.key == SenseKey::kIllegalRequest);
    if (s.field) {
      XG_FUZZ_CHECK(s.field->base == FieldRef::Base::kParameterList);
      XG_FUZZ_CHECK(s.field->byte < input.size());
    }
    return;
  }
  XG_FUZZ_CHECK(!decoded->ranges.empty());
  XG_FUZZ_CHECK(decoded->ranges.size() <= limits.max_range_descriptors);
  const auto encoded = encode_populate_token(*decoded);
  auto again = decode_populate_token(encoded, limits, kAccepted);
  XG_FUZZ_CHECK(again.has_value());
  XG_FUZZ_CHECK(*again == *decoded);
  (void)check_ranges_in_capacity(decoded->ranges, 1u << 20);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  xg::scsi::RodTokenLimits tight;
  tight.max_range_descriptors = 2;
  tight.max_inactivity_timeout_s = 30;
  tight.max_token_transfer_size_blocks = 65536;
  check(input, xg::scsi::RodTokenLimits{});
  check(input, tight);
  return 0;
}
