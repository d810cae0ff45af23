// Fuzz target: the incremental PDU reader (RFC 7143 11.1) over a byte stream cut into
// chunks at fuzzer-chosen points.
// Input: byte 0 = settings (b0 HeaderDigest, b1 DataDigest, b2 initiator role, b4:3 the
// MaxRecvDataSegmentLength choice), byte 1 = number of chunk lengths n (mod 8), then n
// chunk lengths (1 + byte, used in turn), then the stream.
// Invariants: no crash/UB; every feed consumes 1..size bytes; buffered and allocated
// bytes stay within max_buffered_bytes(); chunked feeding gives exactly the outcomes of
// whole-buffer feeding; every PDU read, written back with write_pdu, reads back equal.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "gateway/iscsi/pdu_reader.h"
#include "gateway/iscsi/pdu_writer.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace xg::iscsi;

bool same(const PduOutcome& a, const PduOutcome& b) {
  if (a.has_value() != b.has_value()) return false;
  return a.has_value() ? *a == *b : a.error() == b.error();
}

void feed_checked(PduReader& reader, std::span<const std::uint8_t> piece,
                  std::vector<PduOutcome>& out) {
  while (!piece.empty()) {
    FeedResult r = reader.feed(piece);
    XG_FUZZ_CHECK(r.consumed >= 1 && r.consumed <= piece.size());
    XG_FUZZ_CHECK(reader.buffered_bytes() <= reader.max_buffered_bytes());
    XG_FUZZ_CHECK(reader.allocated_bytes() <= reader.max_buffered_bytes());
    piece = piece.subspan(r.consumed);
    if (r.outcome) out.push_back(std::move(*r.outcome));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t settings = data[0];
  const std::size_t n = data[1] % 8;
  if (size < 2 + n) return 0;
  const std::span<const std::uint8_t> lengths(data + 2, n);
  const std::span<const std::uint8_t> stream(data + 2 + n, size - 2 - n);

  const DigestSettings digests{(settings & 1) != 0, (settings & 2) != 0};
  const Role role = (settings & 4) != 0 ? Role::kInitiator : Role::kTarget;
  static constexpr std::uint32_t kSegmentLimits[] = {512, 8192, 4, 65536};
  const PduReaderLimits limits{kSegmentLimits[(settings >> 3) & 3], 1024};

  PduReader whole_reader(role, limits);
  whole_reader.set_digests(digests);
  std::vector<PduOutcome> whole;
  feed_checked(whole_reader, stream, whole);

  PduReader chunk_reader(role, limits);
  chunk_reader.set_digests(digests);
  std::vector<PduOutcome> chunked;
  std::size_t pos = 0;
  for (std::size_t i = 0; pos < stream.size(); ++i) {
    const std::size_t len = n == 0 ? 1 : std::size_t{lengths[i % n]} + 1;
    const std::size_t take = std::min(len, stream.size() - pos);
    feed_checked(chunk_reader, stream.subspan(pos, take), chunked);
    pos += take;
  }
  XG_FUZZ_CHECK(whole.size() == chunked.size());
  for (std::size_t i = 0; i < whole.size(); ++i) XG_FUZZ_CHECK(same(whole[i], chunked[i]));

  for (const auto& outcome : whole) {
    if (!outcome) {
      XG_FUZZ_CHECK(outcome.error().rejected_header.size() == 0 ||
                    outcome.error().rejected_header.size() == kBhsLength);
      continue;
    }
    const auto bytes = write_pdu(outcome->bhs, outcome->ahs, outcome->data, digests);
    PduReader again(role, limits);
    again.set_digests(digests);
    std::vector<PduOutcome> back;
    feed_checked(again, bytes, back);
    XG_FUZZ_CHECK(back.size() == 1 && back[0].has_value());
    XG_FUZZ_CHECK(back[0]->bhs == outcome->bhs && back[0]->ahs == outcome->ahs &&
                  back[0]->data == outcome->data);
  }
  return 0;
}
