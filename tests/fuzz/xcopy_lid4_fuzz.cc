// Fuzz target: EXTENDED COPY(LID4) parameter list decoder (scsi/xcopy_params.h).
// Each input is decoded twice: with the default copy-manager limits (02h, E4h) and with
// limits that implement every decodable type and allow inline data.
// Invariants: no crash/UB; a decoded list re-encodes to bytes that decode to the same
// value; an error's parameter-list field pointer lies inside the input; a segment
// descriptor whose DESCRIPTOR LENGTH is wrong for its type is refused there or earlier,
// never past its DESCRIPTOR LENGTH field (SPC-4 6.4.6, table 156).
#include <cstddef>
#include <cstdint>
#include <span>

#include "scsi/xcopy_params.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/xcopy_segment_model.h"

namespace {

constexpr auto kFormat = xg::scsi::ListIdFormat::kLid4;

void check(std::span<const std::uint8_t> input, xg::scsi::ListIdFormat format,
           const xg::scsi::CopyManagerLimits& limits) {
  using namespace xg::scsi;
  auto decoded = decode_extended_copy(input, format, limits);
  const auto wrong_length_at = xg::fuzz::first_wrong_segment_length(input, format);
  XG_FUZZ_CHECK(!decoded || !wrong_length_at);
  if (!decoded) {
    const Sense& s = decoded.error();
    XG_FUZZ_CHECK(s.key == SenseKey::kIllegalRequest);
    if (s.field && s.field->base == FieldRef::Base::kParameterList && input.size() <= 0xFFFF) {
      XG_FUZZ_CHECK(s.field->byte < input.size());
    }
    if (wrong_length_at && s.field && s.field->base == FieldRef::Base::kParameterList) {
      XG_FUZZ_CHECK(s.field->byte <= *wrong_length_at + 2);
    }
    return;
  }
  const auto encoded = encode_extended_copy(*decoded);
  XG_FUZZ_CHECK(encoded.size() <= input.size());
  auto again = decode_extended_copy(encoded, format, limits);
  XG_FUZZ_CHECK(again.has_value());
  XG_FUZZ_CHECK(*again == *decoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  xg::scsi::CopyManagerLimits wide;
  wide.implemented_descriptor_types = {0x02, 0x0A, 0x16, 0xBE, 0xBF, 0xE4, 0xFE};
  wide.max_inline_data_length = 1024;
  check(input, kFormat, xg::scsi::CopyManagerLimits{});
  check(input, kFormat, wide);
  return 0;
}
