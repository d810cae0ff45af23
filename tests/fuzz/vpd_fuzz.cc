// Fuzz target: the VPD page decoders (SPC-4 7.8, SBC-4 6.6), chosen by the PAGE CODE in
// byte 1 the way a client dispatches an INQUIRY EVPD=1 response.
// Invariants: no crash/UB; a decode error's parameter-list field pointer lies inside the
// input; on success the page re-encodes, decodes again, and (except 8Fh) to the same value.
// 8Fh keeps another target's list order while its encoder sorts, so there the invariant is
// that encoding is stable: encode(decode(encode(x))) == encode(x).
#include <cstddef>
#include <cstdint>
#include <span>

#include "scsi/vpd.h"
#include "scsi/vpd_third_party_copy.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace xg::scsi;

template <class T>
bool error_points_inside(const Result<T>& r, std::size_t size) {
  const auto& field = r.error().field;
  return !field || field->base != FieldRef::Base::kParameterList || field->byte < size;
}

// Exact round trip: decode(encode(x)) == x.
template <class Decode, class Encode>
void check_exact(std::span<const std::uint8_t> in, Decode decode, Encode encode) {
  auto decoded = decode(in);
  if (!decoded) {
    XG_FUZZ_CHECK(error_points_inside(decoded, in.size()));
    return;
  }
  const auto bytes = encode(*decoded);
  auto again = decode(bytes);
  XG_FUZZ_CHECK(again.has_value());
  XG_FUZZ_CHECK(*again == *decoded);
}

void check_third_party_copy(std::span<const std::uint8_t> in) {
  auto decoded = decode_third_party_copy(in);
  if (!decoded) {
    XG_FUZZ_CHECK(error_points_inside(decoded, in.size()));
    return;
  }
  const auto first = encode_third_party_copy(*decoded);
  auto again = decode_third_party_copy(first);
  XG_FUZZ_CHECK(again.has_value());
  XG_FUZZ_CHECK(encode_third_party_copy(*again) == first);
  auto third = decode_third_party_copy(encode_third_party_copy(*again));
  XG_FUZZ_CHECK(third.has_value() && *third == *again);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  switch (size > 1 ? data[1] : 0x00) {
    case kVpdUnitSerialNumber:
      check_exact(in, decode_unit_serial_number, encode_unit_serial_number);
      break;
    case kVpdDeviceIdentification:
      check_exact(in, decode_device_identification, encode_device_identification);
      break;
    case kVpdThirdPartyCopy:
      check_third_party_copy(in);
      break;
    case kVpdBlockLimits:
      check_exact(in, decode_block_limits, encode_block_limits);
      break;
    case kVpdBlockDeviceCharacteristics:
      check_exact(in, decode_block_device_characteristics, encode_block_device_characteristics);
      break;
    case kVpdLogicalBlockProvisioning:
      check_exact(in, decode_logical_block_provisioning, encode_logical_block_provisioning);
      break;
    default:  // 00h, and any other code exercises the PAGE CODE check
      check_exact(in, decode_supported_vpd_pages, encode_supported_vpd_pages);
      break;
  }
  return 0;
}
