// Segment descriptors of the EXTENDED COPY parameter list (SPC-4 r37 6.4.6, "Segment
// descriptors"; table 156 lists the type codes 00h..BFh).
//
// Common header, first 8 bytes of every segment descriptor (SPC-4 table 157):
//   byte 0      DESCRIPTOR TYPE CODE
//   byte 1      b2 FCO (SPC-5 "fast copy only"), b1 DC, b0 CAT; b7:3 reserved
//   bytes 2-3   DESCRIPTOR LENGTH (total length - 4)
//   bytes 4-5   SOURCE CSCD DESCRIPTOR ID
//   bytes 6-7   DESTINATION CSCD DESCRIPTOR ID
//
// Decoded types:
//   02h block -> block (SPC-4 6.4.6.5, 28 bytes)
//   0Ah block<o> -> block<o> (SPC-4 6.4.6.9, 32 bytes)
//   16h block image copy (SPC-4 6.4.6.18, 28 bytes)
//   BEh populate ROD from one or more block ranges (SPC-4 6.4.6.19, variable)
//   BFh populate ROD from one block range (SPC-4 6.4.6.20, 20 bytes)
// Every other code 00h..BFh is recognised by name (segment_type_name) and refused with
// 26/09, as are C0h..FFh.
//
// Contract: CSCD descriptor IDs and LBA ranges are recorded, never checked here. A segment
// naming a CSCD index past the list, or LBAs past the capacity, is a processing-phase
// COPY ABORTED error reported by the copy manager (libiscsi ValidSegDescr; SPC-4 5.17.7.4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "scsi/copy_limits.h"
#include "scsi/sense.h"

namespace xg::scsi {

inline constexpr std::uint8_t kSegmentBlockToBlock = 0x02;
inline constexpr std::uint8_t kSegmentBlockToBlockWithOffset = 0x0A;
inline constexpr std::uint8_t kSegmentBlockImageCopy = 0x16;
inline constexpr std::uint8_t kSegmentPopulateRodFromRanges = 0xBE;
inline constexpr std::uint8_t kSegmentPopulateRodFromOneRange = 0xBF;

inline constexpr std::size_t kSegmentHeaderLength = 4;  // type, flags, DESCRIPTOR LENGTH

// SPC-4 table 156 name of a segment descriptor type code; "reserved" for 19h..BDh,
// "vendor specific" for C0h..DFh, "not a segment descriptor type code" for E0h..FFh.
std::string_view segment_type_name(std::uint8_t type_code);

// DESCRIPTOR LENGTH the standard fixes for a type code, nullopt when variable (05h, 15h,
// BEh) or unknown.
std::optional<std::uint16_t> segment_descriptor_length(std::uint8_t type_code);

// 02h, bytes 8-27 (SPC-4 table 161).
struct BlockToBlock {
  std::uint16_t block_device_number_of_blocks = 0;  // bytes 10-11; 0 = no-op
  std::uint64_t source_block_device_logical_block_address = 0;       // bytes 12-19
  std::uint64_t destination_block_device_logical_block_address = 0;  // bytes 20-27
  friend bool operator==(const BlockToBlock&, const BlockToBlock&) = default;
};

// 0Ah, bytes 8-31 (SPC-4 table 165).
struct BlockToBlockWithOffset {
  std::uint32_t number_of_bytes = 0;                                 // bytes 8-11
  std::uint64_t source_block_device_logical_block_address = 0;       // bytes 12-19
  std::uint64_t destination_block_device_logical_block_address = 0;  // bytes 20-27
  std::uint16_t source_byte_offset = 0;                              // bytes 28-29
  std::uint16_t destination_byte_offset = 0;                         // bytes 30-31
  friend bool operator==(const BlockToBlockWithOffset&, const BlockToBlockWithOffset&) =
      default;
};

// 16h, bytes 8-27.
struct BlockImageCopy {
  std::uint64_t source_logical_block_address = 0;       // bytes 8-15
  std::uint64_t destination_logical_block_address = 0;  // bytes 16-23
  std::uint32_t number_of_logical_blocks = 0;           // bytes 24-27
  friend bool operator==(const BlockImageCopy&, const BlockImageCopy&) = default;
};

// BFh, bytes 8-19.
struct PopulateRodFromOneRange {
  std::uint64_t logical_block_address = 0;     // bytes 8-15
  std::uint32_t number_of_logical_blocks = 0;  // bytes 16-19
  friend bool operator==(const PopulateRodFromOneRange&, const PopulateRodFromOneRange&) =
      default;
};

// One 16-byte block device range descriptor (SBC-4 5.12.3, table "Block device range
// descriptor"): LBA, NUMBER OF LOGICAL BLOCKS, 4 reserved bytes.
struct BlockRange {
  std::uint64_t logical_block_address = 0;
  std::uint32_t number_of_logical_blocks = 0;
  friend bool operator==(const BlockRange&, const BlockRange&) = default;
};

inline constexpr std::uint8_t kRangeDescriptorTypeBlockDevice = 0x01;
inline constexpr std::size_t kBlockRangeDescriptorLength = 16;

// BEh: bytes 8-12 reserved, 13 RANGE DESCRIPTOR TYPE, 14-15 RANGE DESCRIPTORS LENGTH,
// 16.. range descriptors.
struct PopulateRodFromRanges {
  std::vector<BlockRange> ranges;
  friend bool operator==(const PopulateRodFromRanges&, const PopulateRodFromRanges&) = default;
};

struct SegmentDescriptor {
  std::size_t offset = 0;    // absolute offset of byte 0 in the parameter list (decode only)
  std::uint16_t index = 0;   // 0-based position in the segment list (the segment number)
  bool fco = false;          // byte 1 b2
  bool dc = false;           // byte 1 b1 (meaningful for 02h only)
  bool cat = false;          // byte 1 b0
  std::uint16_t source_cscd_descriptor_id = 0;       // SPC-4 table 146 (index, C000h, FFFFh...)
  std::uint16_t destination_cscd_descriptor_id = 0;
  std::variant<BlockToBlock, BlockToBlockWithOffset, BlockImageCopy, PopulateRodFromRanges,
               PopulateRodFromOneRange>
      body;

  std::uint8_t descriptor_type_code() const;
  friend bool operator==(const SegmentDescriptor&, const SegmentDescriptor&) = default;
};

// The checks decode_segment makes before it reads any field, in its order; `r` spans
// exactly the descriptor (4 + its DESCRIPTOR LENGTH) and is not advanced. Success means the
// descriptor is one this copy manager reads and its DESCRIPTOR LENGTH is the one its type
// requires, so the next descriptor starts right after it. On an error nobody knows where
// the next one starts (SPC-4 6.4.6 table 156 fixes the length of each type; a wrong one
// leaves bytes over that are no descriptor), so a list walk stops at this descriptor.
// Errors (ILLEGAL REQUEST, field pointers into the parameter list):
//   26/09 type not in limits.implemented_descriptor_types or not decodable here -> type byte
//   26/00 DESCRIPTOR LENGTH not the one the type requires -> byte 2 of the descriptor
//   26/00 BEh: RANGE DESCRIPTOR TYPE not 01h -> byte 13; RANGE DESCRIPTORS LENGTH not
//         DESCRIPTOR LENGTH - 12 or not a multiple of 16 -> byte 14
Result<void> check_segment_layout(base::ByteReader r, const CopyManagerLimits& limits);

// Decodes one segment descriptor. `r` must span exactly the descriptor (4 + its DESCRIPTOR
// LENGTH; the list walk in xcopy_params.cc guarantees that). `index` becomes .index.
// Errors: those of check_segment_layout, which runs first.
Result<SegmentDescriptor> decode_segment(base::ByteReader& r, std::uint16_t index,
                                         const CopyManagerLimits& limits);

// decode_segment into `out`, a default-constructed descriptor (for example the one just
// emplaced at the back of ExtendedCopyList::segments). Same checks and errors; on an error
// `out` is partly filled and meant to be thrown away.
Result<void> decode_segment_into(base::ByteReader& r, std::uint16_t index,
                                 const CopyManagerLimits& limits, SegmentDescriptor& out);

// Appends the descriptor (DESCRIPTOR LENGTH computed from the body).
void encode_segment(const SegmentDescriptor& segment, base::ByteWriter& w);

}  // namespace xg::scsi
