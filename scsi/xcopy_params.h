// EXTENDED COPY parameter lists: LID1 (83h/00h, SPC-4 r37 6.5, table 169) and LID4
// (83h/01h, SPC-4 r37 6.4.2, table 119), both directions.
//
// Layout: header | CSCD descriptor list | segment descriptor list | inline data.
//
// LID1 header, 16 bytes (SPC-4 table 169):
//   0      LIST IDENTIFIER (8 bits)
//   1      b5 STR, b4:3 LIST ID USAGE, b2:0 PRIORITY (b7:6 reserved)
//   2-3    CSCD DESCRIPTOR LIST LENGTH
//   4-7    reserved
//   8-11   SEGMENT DESCRIPTOR LIST LENGTH
//   12-15  INLINE DATA LENGTH
//
// LID4 header, 48 bytes (SPC-4 table 119):
//   0      LIST FORMAT = 01h
//   1      b5 STR, b4:3 LIST ID USAGE, b2:0 PRIORITY
//   2-3    HEADER CSCD DESCRIPTOR LIST LENGTH = 0020h
//   4-14   reserved
//   15     b1 G_SENSE, b0 IMMED
//   16     HEADER CSCD DESCRIPTOR TYPE CODE = FFh
//   17-19  reserved
//   20-23  LIST IDENTIFIER
//   24-41  reserved
//   42-43  CSCD DESCRIPTOR LIST LENGTH
//   44-45  SEGMENT DESCRIPTOR LIST LENGTH
//   46-47  INLINE DATA LENGTH
//
// Reserved fields are not checked (SPC-4 3.4.1 lets a recipient ignore them), and bytes
// after the inline data are ignored. decode(encode(x)) == x for every decoded x.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "scsi/copy_limits.h"
#include "scsi/cscd.h"
#include "scsi/segment.h"
#include "scsi/sense.h"

namespace xg::scsi {

enum class ListIdFormat : std::uint8_t { kLid1, kLid4 };

// LIST ID USAGE (SPC-4 6.4.3.2, table 123).
enum class ListIdUsage : std::uint8_t {
  kHold = 0,      // 00b: keep status and held data for RECEIVE COPY ...
  kReserved = 1,  // 01b: refused with 26/00
  kDiscard = 2,   // 10b: may discard on completion (SPC-3 NRCR=1)
  kNoListId = 3,  // 11b: LIST IDENTIFIER must be 0; only with SNLID=1
};

inline constexpr std::size_t kLid1HeaderLength = 16;
inline constexpr std::size_t kLid4HeaderLength = 48;
inline constexpr std::uint8_t kLid4ListFormat = 0x01;
inline constexpr std::uint16_t kLid4HeaderCscdDescriptorListLength = 0x0020;
inline constexpr std::uint8_t kLid4HeaderCscdTypeCode = 0xFF;

struct ExtendedCopyList {
  ListIdFormat format = ListIdFormat::kLid1;
  std::uint32_t list_identifier = 0;  // LID1: 8 bits
  bool str = false;
  ListIdUsage list_id_usage = ListIdUsage::kHold;
  std::uint8_t priority = 0;  // 3 bits, 0 = highest
  bool immed = false;         // LID4 only
  bool g_sense = false;       // LID4 only
  std::vector<CscdDescriptor> cscds;       // each with its absolute offset in the list
  std::vector<SegmentDescriptor> segments;  // each with its absolute offset and index
  std::vector<std::uint8_t> inline_data;

  friend bool operator==(const ExtendedCopyList&, const ExtendedCopyList&) = default;
};

// Decodes and validates a whole EXTENDED COPY parameter list: the bytes the CDB's
// PARAMETER LIST LENGTH delivered (the caller handles length 0 = no-op, GOOD). Pure.
//
// Checks, in this order (SPC-4 5.17.7.3, 6.4.3; the descriptor list length before the
// counts because libiscsi DescrLimits expects 1A/00 for a list over MAXIMUM DESCRIPTOR
// LIST LENGTH even when it also has too many descriptors), all ILLEGAL REQUEST with a
// field pointer (C/D=0) into the parameter list where one applies:
//  1. list shorter than the header                                   -> 1A/00 (no pointer)
//     LID4: LIST FORMAT != 01h -> 26/00 byte 0; HEADER CSCD DESCRIPTOR LIST LENGTH !=
//     0020h -> 26/00 byte 2; HEADER CSCD TYPE CODE != FFh -> 26/00 byte 16
//  2. a declared length (CSCD list, segment list, inline data) runs past the list
//                                                  -> 1A/00 at that length field
//  3. CSCD + segment list lengths > limits.max_descriptor_list_length
//                                                  -> 1A/00 at the length that crosses it
//  4. walking the lists: a CSCD (32 bytes; 64 for EAh/EBh) running past the end of the
//     CSCD list -> 1A/00 at its byte 0; a segment header (4 bytes) past the end of the
//     segment list -> 1A/00 at its byte 0; a segment (4 + DESCRIPTOR LENGTH) past the end
//     -> 1A/00 at its DESCRIPTOR LENGTH (byte 2). The walk ends at a CSCD whose type code
//     has no size in SPC-4 6.4.5.1 and at a segment check_segment_layout refuses (a type
//     not read here, a DESCRIPTOR LENGTH wrong for the type): where the next one starts
//     is unknown, so bytes after it are never read as descriptors; step 9 or 10 refuses it
//  5. CSCD count > max_cscd_descriptors -> 26/06, segment count > max_segment_descriptors
//     -> 26/08 (pointer at the first descriptor over the limit)
//  6. INLINE DATA LENGTH > max_inline_data_length  -> 26/0B at the INLINE DATA LENGTH field
//  7. LIST ID USAGE 01b, or 11b without limits.snlid -> 26/00 byte 1 bit 4;
//     11b with LIST IDENTIFIER != 0 -> 26/00 at the LIST IDENTIFIER
//  8. LID4: IMMED with G_SENSE, or IMMED with LIST ID USAGE 11b -> 26/00 byte 15 bit 0
//  9. each CSCD in order (decode_cscd: 26/07, 26/00)
// 10. each segment in order (decode_segment: 26/09, 26/00)
Result<ExtendedCopyList> decode_extended_copy(std::span<const std::uint8_t> parameter_list,
                                              ListIdFormat format,
                                              const CopyManagerLimits& limits);

// Encodes `list` in list.format with all lengths computed. Offsets and indexes in the
// descriptors are ignored (they come out of decode). LID1 keeps the low 8 bits of
// list_identifier.
std::vector<std::uint8_t> encode_extended_copy(const ExtendedCopyList& list);

}  // namespace xg::scsi
