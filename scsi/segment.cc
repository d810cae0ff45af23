#include "scsi/segment.h"

#include <algorithm>
#include <array>
#include <string>

#include "base/bits.h"

namespace xg::scsi {
namespace {

constexpr std::uint16_t kVariable = 0xFFFF;  // marks a variable DESCRIPTOR LENGTH below

struct SegmentTypeRow {
  std::uint8_t code;
  std::string_view name;
  std::uint16_t descriptor_length;  // DESCRIPTOR LENGTH (total size - 4), or kVariable
};

// SPC-4 r37 table 156 (segment descriptor type codes) with the DESCRIPTOR LENGTH of each
// format; 17h/18h are from spc5r02 as sg3_utils names them.
constexpr std::array<SegmentTypeRow, 27> kSegmentTypes{{
    {0x00, "block -> stream", 0x0014},
    {0x01, "stream -> block", 0x0014},
    {0x02, "block -> block", 0x0018},
    {0x03, "stream -> stream", 0x0010},
    {0x04, "inline data -> stream", 0x0010},
    {0x05, "embedded data -> stream", kVariable},
    {0x06, "stream -> discard", 0x000C},
    {0x07, "verify CSCD", 0x0008},
    {0x08, "block<o> -> stream", 0x0018},
    {0x09, "stream -> block<o>", 0x0018},
    {0x0A, "block<o> -> block<o>", 0x001C},
    {0x0B, "block -> stream + application client", 0x0014},
    {0x0C, "stream -> block + application client", 0x0014},
    {0x0D, "block -> block + application client", 0x0018},
    {0x0E, "stream -> stream + application client", 0x0010},
    {0x0F, "stream -> discard + application client", 0x000C},
    {0x10, "write filemarks -> tape", 0x0008},
    {0x11, "space -> tape", 0x0008},
    {0x12, "locate -> tape", 0x0008},
    {0x13, "<i>tape -> <i>tape", 0x0008},
    {0x14, "register persistent reservation key", 0x0018},
    {0x15, "third party persistent reservations source I_T nexus", kVariable},
    {0x16, "<i>block -> <i>block", 0x0018},
    {0x17, "positioning -> tape", kVariable},
    {0x18, "<loi>tape -> tape", kVariable},
    {0xBE, "populate ROD from one or more block ranges", kVariable},
    {0xBF, "populate ROD from one block range", 0x0010},
}};

constexpr std::size_t kBeFixedLength = 12;  // BEh DESCRIPTOR LENGTH without the ranges

const SegmentTypeRow* find_row(std::uint8_t type_code) {
  for (const auto& row : kSegmentTypes) {
    if (row.code == type_code) return &row;
  }
  return nullptr;
}

bool decodable(std::uint8_t type_code) {
  return type_code == kSegmentBlockToBlock || type_code == kSegmentBlockToBlockWithOffset ||
         type_code == kSegmentBlockImageCopy || type_code == kSegmentPopulateRodFromRanges ||
         type_code == kSegmentPopulateRodFromOneRange;
}

bool implemented(const CopyManagerLimits& limits, std::uint8_t type_code) {
  const auto& types = limits.implemented_descriptor_types;
  return std::find(types.begin(), types.end(), type_code) != types.end();
}

// The bodies are decoded into the alternative the caller emplaced, not returned by value.
void decode_b2b(base::ByteReader& r, BlockToBlock& b) {
  r.skip(2);
  b.block_device_number_of_blocks = r.be16();
  b.source_block_device_logical_block_address = r.be64();
  b.destination_block_device_logical_block_address = r.be64();
}

void decode_b2b_offset(base::ByteReader& r, BlockToBlockWithOffset& b) {
  b.number_of_bytes = r.be32();
  b.source_block_device_logical_block_address = r.be64();
  b.destination_block_device_logical_block_address = r.be64();
  b.source_byte_offset = r.be16();
  b.destination_byte_offset = r.be16();
}

void decode_image(base::ByteReader& r, BlockImageCopy& b) {
  b.source_logical_block_address = r.be64();
  b.destination_logical_block_address = r.be64();
  b.number_of_logical_blocks = r.be32();
}

void decode_one_range(base::ByteReader& r, PopulateRodFromOneRange& b) {
  b.logical_block_address = r.be64();
  b.number_of_logical_blocks = r.be32();
}

// BEh from byte 8 on; check_segment_layout proved the range fields consistent.
void decode_ranges(base::ByteReader& r, PopulateRodFromRanges& b) {
  r.skip(6);  // reserved, RANGE DESCRIPTOR TYPE (01h)
  const std::uint16_t ranges_length = r.be16();
  b.ranges.reserve(ranges_length / kBlockRangeDescriptorLength);
  while (!r.empty()) {
    BlockRange range;
    range.logical_block_address = r.be64();
    range.number_of_logical_blocks = r.be32();
    r.skip(4);
    b.ranges.push_back(range);
  }
}

// BEh bytes 13-15 (SPC-4 6.4.6.19): `r` is at byte 13 and ends with the descriptor, whose
// DESCRIPTOR LENGTH is at least 12, so bytes 13-15 exist.
Result<void> check_range_fields(base::ByteReader& r) {
  const std::size_t at_type = r.offset();
  if (r.u8() != kRangeDescriptorTypeBlockDevice) {
    return Sense::invalid_field_in_param_list(FieldRef::param(at_type))
        .because("BEh RANGE DESCRIPTOR TYPE is not 01h");
  }
  const std::size_t at_length = r.offset();
  const std::uint16_t ranges_length = r.be16();
  if (ranges_length != r.remaining() || ranges_length % kBlockRangeDescriptorLength != 0) {
    return Sense::invalid_field_in_param_list(FieldRef::param(at_length))
        .because("BEh RANGE DESCRIPTORS LENGTH disagrees with DESCRIPTOR LENGTH");
  }
  return {};
}

// Checks DESCRIPTOR LENGTH against the type (pointer at byte 2 of the descriptor).
Result<void> check_descriptor_length(std::uint8_t type_code, std::uint16_t length,
                                     std::size_t at_length) {
  const auto expected = segment_descriptor_length(type_code);
  const bool ok = expected ? length == *expected : length >= kBeFixedLength;
  if (ok) return {};
  return Sense::invalid_field_in_param_list(FieldRef::param(at_length))
      .because("DESCRIPTOR LENGTH " + std::to_string(length) + " wrong for segment type " +
               std::string(segment_type_name(type_code)));
}

void decode_body(std::uint8_t type_code, base::ByteReader& r, SegmentDescriptor& s) {
  switch (type_code) {
    case kSegmentBlockToBlock:
      decode_b2b(r, s.body.emplace<BlockToBlock>());
      break;
    case kSegmentBlockToBlockWithOffset:
      decode_b2b_offset(r, s.body.emplace<BlockToBlockWithOffset>());
      break;
    case kSegmentBlockImageCopy:
      decode_image(r, s.body.emplace<BlockImageCopy>());
      break;
    case kSegmentPopulateRodFromOneRange:
      decode_one_range(r, s.body.emplace<PopulateRodFromOneRange>());
      break;
    default:
      decode_ranges(r, s.body.emplace<PopulateRodFromRanges>());
      break;
  }
}

struct BodyEncoder {
  base::ByteWriter& w;
  void operator()(const BlockToBlock& b) const {
    w.zeros(2);
    w.be16(b.block_device_number_of_blocks);
    w.be64(b.source_block_device_logical_block_address);
    w.be64(b.destination_block_device_logical_block_address);
  }
  void operator()(const BlockToBlockWithOffset& b) const {
    w.be32(b.number_of_bytes);
    w.be64(b.source_block_device_logical_block_address);
    w.be64(b.destination_block_device_logical_block_address);
    w.be16(b.source_byte_offset);
    w.be16(b.destination_byte_offset);
  }
  void operator()(const BlockImageCopy& b) const {
    w.be64(b.source_logical_block_address);
    w.be64(b.destination_logical_block_address);
    w.be32(b.number_of_logical_blocks);
  }
  void operator()(const PopulateRodFromRanges& b) const {
    w.zeros(5);
    w.u8(kRangeDescriptorTypeBlockDevice);
    w.be16(static_cast<std::uint16_t>(b.ranges.size() * kBlockRangeDescriptorLength));
    for (const auto& range : b.ranges) {
      w.be64(range.logical_block_address);
      w.be32(range.number_of_logical_blocks);
      w.zeros(4);
    }
  }
  void operator()(const PopulateRodFromOneRange& b) const {
    w.be64(b.logical_block_address);
    w.be32(b.number_of_logical_blocks);
  }
};

}  // namespace

std::string_view segment_type_name(std::uint8_t type_code) {
  if (const auto* row = find_row(type_code)) return row->name;
  if (type_code <= 0xBF) return "reserved";
  if (type_code <= 0xDF) return "vendor specific";
  return "not a segment descriptor type code";
}

std::optional<std::uint16_t> segment_descriptor_length(std::uint8_t type_code) {
  const auto* row = find_row(type_code);
  if (row == nullptr || row->descriptor_length == kVariable) return std::nullopt;
  return row->descriptor_length;
}

std::uint8_t SegmentDescriptor::descriptor_type_code() const {
  constexpr std::array<std::uint8_t, 5> kCodes{
      kSegmentBlockToBlock, kSegmentBlockToBlockWithOffset, kSegmentBlockImageCopy,
      kSegmentPopulateRodFromRanges, kSegmentPopulateRodFromOneRange};
  return kCodes[body.index()];
}

Result<SegmentDescriptor> decode_segment(base::ByteReader& r, std::uint16_t index,
                                         const CopyManagerLimits& limits) {
  SegmentDescriptor s;
  XG_TRY(decode_segment_into(r, index, limits, s));
  return s;
}

Result<void> check_segment_layout(base::ByteReader r, const CopyManagerLimits& limits) {
  const std::size_t at_type = r.offset();
  const std::uint8_t type_code = r.u8();
  if (!decodable(type_code) || !implemented(limits, type_code)) {
    return Sense::unsupported_segment_descriptor_type(FieldRef::param(at_type))
        .because("segment type " + std::string(segment_type_name(type_code)) + " not implemented");
  }
  r.skip(1);
  const std::size_t at_length = r.offset();
  XG_TRY(check_descriptor_length(type_code, r.be16(), at_length));
  if (type_code == kSegmentPopulateRodFromRanges) {
    r.skip(9);  // CSCD IDs, reserved bytes 8-12
    XG_TRY(check_range_fields(r));
  }
  return {};
}

Result<void> decode_segment_into(base::ByteReader& r, std::uint16_t index,
                                 const CopyManagerLimits& limits, SegmentDescriptor& s) {
  s.offset = r.offset();
  s.index = index;
  XG_TRY(check_segment_layout(r, limits));
  const std::uint8_t type_code = r.u8();
  const std::uint8_t flags = r.u8();
  s.fco = base::bit(flags, 2);
  s.dc = base::bit(flags, 1);
  s.cat = base::bit(flags, 0);
  r.skip(2);  // DESCRIPTOR LENGTH, checked
  s.source_cscd_descriptor_id = r.be16();
  s.destination_cscd_descriptor_id = r.be16();
  decode_body(type_code, r, s);
  return {};
}

void encode_segment(const SegmentDescriptor& segment, base::ByteWriter& w) {
  const std::size_t start = w.size();
  w.u8(segment.descriptor_type_code());
  w.u8(static_cast<std::uint8_t>((segment.fco ? 0x04 : 0x00) | (segment.dc ? 0x02 : 0x00) |
                                 (segment.cat ? 0x01 : 0x00)));
  w.be16(0);  // DESCRIPTOR LENGTH, patched below
  w.be16(segment.source_cscd_descriptor_id);
  w.be16(segment.destination_cscd_descriptor_id);
  std::visit(BodyEncoder{w}, segment.body);
  w.put_be16_at(start + 2, static_cast<std::uint16_t>(w.size() - start - kSegmentHeaderLength));
}

}  // namespace xg::scsi
