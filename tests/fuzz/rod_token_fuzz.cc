// Fuzz target: 512-byte ROD token decoder (scsi/rod_token.h).
// Invariants: no crash/UB; errors are ILLEGAL REQUEST 23/0A or 23/05 with any field
// pointer inside the input; a decoded token re-encodes to 512 bytes that decode to the
// same value, and the zero-token test agrees between the struct and the bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "scsi/rod_token.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xg::scsi;
  const std::span<const std::uint8_t> input(data, size);
  auto decoded = decode_rod_token(input);
  if (!decoded) {
    const Sense& s = decoded.error();
    XG_FUZZ_CHECK(s.key == SenseKey::kIllegalRequest && s.asc == 0x23);
    XG_FUZZ_CHECK(s.ascq == 0x0A || s.ascq == 0x05);
    if (s.field) XG_FUZZ_CHECK(s.field->byte < size);
    return 0;
  }
  XG_FUZZ_CHECK(size >= kRodTokenSize);
  const auto encoded = encode_rod_token(*decoded);
  XG_FUZZ_CHECK(encoded.size() == kRodTokenSize);
  auto again = decode_rod_token(encoded);
  XG_FUZZ_CHECK(again.has_value());
  XG_FUZZ_CHECK(*again == *decoded);
  XG_FUZZ_CHECK(rod_token_is_zero_token(*decoded) == rod_token_is_zero_token(encoded));
  (void)rod_type_name(decoded->rod_type);
  return 0;
}
