// Fuzz target: THIRD-PARTY COPY OUT/IN CDB decoder (scsi/third_party_copy_cdb.h).
// Invariants: no crash/UB; errors are ILLEGAL REQUEST with a CDB field pointer inside the
// 16 bytes; a decoded CDB re-encodes to exactly the 16 input bytes (every set bit is part
// of a field, so nothing is lost) and decodes again to the same value.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "scsi/third_party_copy_cdb.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xg::scsi;
  const std::span<const std::uint8_t> input(data, size);
  auto decoded = decode_third_party_copy_cdb(input);
  if (!decoded) {
    const Sense& s = decoded.error();
    XG_FUZZ_CHECK(s.key == SenseKey::kIllegalRequest);
    XG_FUZZ_CHECK(s.field.has_value() && s.field->base == FieldRef::Base::kCdb);
    XG_FUZZ_CHECK(s.field->byte < kThirdPartyCopyCdbSize);
    return 0;
  }
  XG_FUZZ_CHECK(size >= kThirdPartyCopyCdbSize);
  const auto encoded = encode_third_party_copy_cdb(*decoded);
  XG_FUZZ_CHECK(encoded.size() == kThirdPartyCopyCdbSize);
  XG_FUZZ_CHECK(std::equal(encoded.begin(), encoded.end(), input.begin()));
  auto again = decode_third_party_copy_cdb(encoded);
  XG_FUZZ_CHECK(again.has_value() && *again == *decoded);
  (void)service_action_name(decoded->operation_code, decoded->service_action);
  return 0;
}
