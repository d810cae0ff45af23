// Fuzz target: WRITE USING TOKEN parameter list decoder (scsi/write_using_token.h).
// Each input is decoded with the default ROD token limits and with tight ones.
// Invariants: no crash/UB; errors are ILLEGAL REQUEST with any parameter-list field
// pointer inside the input; a decoded list re-encodes to bytes that decode to the same
// value; the zero-token test agrees between the struct and its encoded bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "scsi/rod_token.h"
#include "scsi/write_using_token.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

void check(std::span<const std::uint8_t> input, const xg::scsi::RodTokenLimits& limits) {
  using namespace xg::scsi;
  auto decoded = decode_write_using_token(input, limits);
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
  const auto encoded = encode_write_using_token(*decoded);
  auto again = decode_write_using_token(encoded, limits);
  XG_FUZZ_CHECK(again.has_value());
  XG_FUZZ_CHECK(*again == *decoded);
  const std::span<const std::uint8_t> token(encoded.data() + kWriteUsingTokenTokenOffset,
                                            kRodTokenSize);
  XG_FUZZ_CHECK(rod_token_is_zero_token(decoded->rod_token) == rod_token_is_zero_token(token));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  xg::scsi::RodTokenLimits tight;
  tight.max_range_descriptors = 2;
  tight.max_token_transfer_size_blocks = 65536;
  check(input, xg::scsi::RodTokenLimits{});
  check(input, tight);
  return 0;
}
