// Fuzz target: the iSCSI BHS and AHS decoders (RFC 7143 11.2).
// Input: 48 BHS bytes, then the AHS bytes (TotalAHSLength*4, or what is there).
// Invariants: no crash/UB; a decoded BHS or AHS re-encodes and decodes to the same value,
// and the BHS encoding is stable; an error's offset points inside the bytes it was given.
#include <cstddef>
#include <cstdint>
#include <span>

#include "base/byte_writer.h"
#include "gateway/iscsi/bhs.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xg::iscsi;
  const std::span<const std::uint8_t> input(data, size);
  const auto bhs = decode_bhs(input);
  if (!bhs) {
    XG_FUZZ_CHECK(bhs.error().offset <= size);
    if (size >= kBhsLength) XG_FUZZ_CHECK(bhs.error().offset < kBhsLength);
    (void)pdu_error_code_name(bhs.error().code);
    return 0;
  }
  const auto encoded = encode_bhs(*bhs);
  const auto again = decode_bhs(encoded);
  XG_FUZZ_CHECK(again.has_value() && *again == *bhs);
  XG_FUZZ_CHECK(encode_bhs(*again) == encoded);
  (void)opcode_name(static_cast<std::uint8_t>(opcode_of(*bhs)));

  const std::size_t declared = std::size_t{bhs->total_ahs_length} * 4;
  const auto ahs_bytes = input.subspan(kBhsLength, std::min(declared, size - kBhsLength));
  const auto ahs = decode_ahs(ahs_bytes);
  if (!ahs) {
    XG_FUZZ_CHECK(ahs.error().offset >= kBhsLength);
    XG_FUZZ_CHECK(ahs.error().offset < kBhsLength + ahs_bytes.size());
    return 0;
  }
  xg::base::ByteWriter w;
  encode_ahs(*ahs, w);
  XG_FUZZ_CHECK(w.size() == encoded_ahs_length(*ahs) && w.size() <= ahs_bytes.size());
  const auto ahs_again = decode_ahs(w.data());
  XG_FUZZ_CHECK(ahs_again.has_value() && *ahs_again == *ahs);
  return 0;
}
