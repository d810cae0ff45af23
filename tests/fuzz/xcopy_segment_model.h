// An independent model for the EXTENDED COPY fuzz targets: where the first segment
// descriptor sits whose DESCRIPTOR LENGTH is not the one SPC-4 table 156 fixes for its type.
// It walks the segment list the naive way (4 + DESCRIPTOR LENGTH per descriptor); every
// descriptor before the one it finds has its type's length or a variable one, so the naive
// walk and the decoder agree up to there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "base/byte_reader.h"
#include "scsi/segment.h"
#include "scsi/xcopy_params.h"

namespace xg::fuzz {

// Absolute offset of that descriptor's byte 0, nullopt when there is none or the header's
// lengths do not fit the input (SPC-4 6.5 table 169 for LID1, 6.4.2 table 119 for LID4).
inline std::optional<std::size_t> first_wrong_segment_length(
    std::span<const std::uint8_t> input, scsi::ListIdFormat format) {
  const bool lid1 = format == scsi::ListIdFormat::kLid1;
  const std::size_t header_length = lid1 ? scsi::kLid1HeaderLength : scsi::kLid4HeaderLength;
  if (input.size() < header_length) return std::nullopt;
  base::ByteReader header(input);
  std::size_t cscd_list = 0;
  std::size_t segment_list = 0;
  if (lid1) {
    header.skip(2);
    cscd_list = header.be16();
    header.skip(4);
    segment_list = header.be32();
  } else {
    header.skip(42);
    cscd_list = header.be16();
    segment_list = header.be16();
  }
  if (header_length + cscd_list + segment_list > input.size()) return std::nullopt;
  base::ByteReader list(input.subspan(header_length + cscd_list, segment_list),
                        header_length + cscd_list);
  while (list.has(scsi::kSegmentHeaderLength)) {
    const std::size_t at = list.offset();
    const std::uint8_t type_code = list.u8();
    list.skip(1);
    const std::uint16_t descriptor_length = list.be16();
    const auto fixed = scsi::segment_descriptor_length(type_code);
    if (fixed && descriptor_length != *fixed) return at;
    if (!list.has(descriptor_length)) return std::nullopt;
    list.skip(descriptor_length);
  }
  return std::nullopt;
}

}  // namespace xg::fuzz
