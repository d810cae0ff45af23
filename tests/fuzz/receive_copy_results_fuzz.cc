// Fuzz target: the RECEIVE COPY RESULTS response decoders (scsi/receive_copy_results.h).
// Input byte 0 picks the service action (taken modulo 9: 00h, 01h, 03h-08h; 02h is unused and
// returns at once), the rest is the response.
// Invariants: no crash/UB; a decoded value re-encodes to no more bytes than were read, and
// decodes again to the same value (and the same bytes); a decode error is ILLEGAL REQUEST
// 1A/00 or 26/00 with a parameter-list field pointer inside the response.
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

#include "scsi/receive_copy_results.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace xg::scsi;

template <class T>
void check_error(const Result<T>& result, std::size_t size) {
  const Sense& sense = result.error();
  XG_FUZZ_CHECK(sense.key == SenseKey::kIllegalRequest);
  XG_FUZZ_CHECK((sense.asc == 0x1A || sense.asc == 0x26) && sense.ascq == 0x00);
  XG_FUZZ_CHECK(sense.field.has_value());
  XG_FUZZ_CHECK(sense.field->base == FieldRef::Base::kParameterList);
  XG_FUZZ_CHECK(sense.field->byte < size || (size == 0 && sense.field->byte == 0));
  XG_FUZZ_CHECK(!sense.why.empty());
}

template <class Decode, class Encode>
void exercise(std::span<const std::uint8_t> response, Decode decode, Encode encode) {
  auto decoded = decode(response);
  if (!decoded) {
    check_error(decoded, response.size());
    return;
  }
  const auto encoded = encode(*decoded);
  XG_FUZZ_CHECK(encoded.size() <= response.size());
  auto again = decode(encoded);
  XG_FUZZ_CHECK(again.has_value());
  XG_FUZZ_CHECK(encode(*again) == encoded);
  if constexpr (std::equality_comparable<std::remove_cvref_t<decltype(*decoded)>>) {
    XG_FUZZ_CHECK(*again == *decoded);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> response(data + 1, size - 1);
  switch (data[0] % 9) {
    case kRcrCopyStatusLid1:
      exercise(response, decode_copy_status_lid1, encode_copy_status_lid1);
      break;
    case kRcrCopyDataLid1:
      exercise(response, decode_copy_data_lid1, encode_copy_data_lid1);
      break;
    case kRcrOperatingParameters:
      exercise(response, decode_operating_parameters, encode_operating_parameters);
      break;
    case kRcrFailureDetailsLid1:
      exercise(response, decode_failure_details_lid1, encode_failure_details_lid1);
      break;
    case kRcrCopyStatusLid4:
      exercise(response, decode_copy_status_lid4, encode_copy_status_lid4);
      break;
    case kRcrCopyDataLid4:
      exercise(response, decode_copy_data_lid4, encode_copy_data_lid4);
      break;
    case kRcrRodTokenInformation:
      exercise(response, decode_rod_token_information, encode_rod_token_information);
      break;
    case kRcrReportAllRodTokens:
      exercise(response, decode_report_all_rod_tokens, encode_report_all_rod_tokens);
      break;
    default:
      break;
  }
  return 0;
}
