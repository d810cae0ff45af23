// Fuzz target: the standard INQUIRY data decoder (SPC-4 6.6.2).
// Invariants: no crash/UB; a decode error's parameter-list field pointer lies inside the
// input; on success decode(encode(x)) == x and the encoding is stable.
#include <cstddef>
#include <cstdint>
#include <span>

#include "scsi/inquiry.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xg::scsi;
  auto decoded = decode_standard_inquiry(std::span(data, size));
  if (!decoded) {
    const auto& field = decoded.error().field;
    XG_FUZZ_CHECK(!field || field->base != FieldRef::Base::kParameterList || field->byte < size);
    return 0;
  }
  const auto bytes = encode_standard_inquiry(*decoded);
  auto again = decode_standard_inquiry(bytes);
  XG_FUZZ_CHECK(again.has_value());
  XG_FUZZ_CHECK(*again == *decoded);
  XG_FUZZ_CHECK(encode_standard_inquiry(*again) == bytes);
  return 0;
}
