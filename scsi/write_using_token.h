// WRITE USING TOKEN parameter list (83h/11h; SBC-4 5.59.2, table "WRITE USING TOKEN
// parameter list"), both directions.
//
//   0-1      WRITE USING TOKEN DATA LENGTH (n-1)
//   2        b7:2 reserved, b1 DEL_TKN, b0 IMMED
//   3-7      reserved
//   8-15     OFFSET INTO ROD (in logical blocks of the LU receiving the command)
//   16-527   ROD TOKEN (scsi/rod_token.h)
//   528-533  reserved
//   534-535  BLOCK DEVICE RANGE DESCRIPTOR LENGTH (n-535)
//   536-n    block device range descriptors: destination LBAs (scsi/range_descriptor.h)
//
// Reserved fields are ignored (SPC-4 3.4.1 permits it; no known initiator sets them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "scsi/copy_limits.h"
#include "scsi/range_descriptor.h"
#include "scsi/rod_token.h"
#include "scsi/sense.h"

namespace xg::scsi {

inline constexpr std::size_t kWriteUsingTokenTokenOffset = 16;
inline constexpr std::size_t kWriteUsingTokenHeaderSize = 536;        // through the list length
inline constexpr std::uint16_t kWriteUsingTokenMinDataLength = 0x0226;  // header + 1 descriptor

struct WriteUsingTokenParams {
  bool del_tkn = false;  // delete the token when this command completes
  bool immed = false;
  std::uint64_t offset_into_rod = 0;  // blocks of this LU from the start of the ROD
  RodToken rod_token;
  std::vector<BlockDeviceRangeDescriptor> ranges;  // destination LBAs, in list order
  friend bool operator==(const WriteUsingTokenParams&, const WriteUsingTokenParams&) = default;
};

// Decodes and validates a WRITE USING TOKEN parameter list: `params` is exactly what the
// CDB's PARAMETER LIST LENGTH delivered. The caller completes a length of 0 with GOOD
// without calling this (SBC: not an error). Pure. Checks, in this order, ILLEGAL REQUEST:
//   1A/00 fewer than 536 bytes: the ROD token or the range list length is cut off (the
//         analogue of POPULATE TOKEN's 1..15 rule), no pointer
//   26/00 WRITE USING TOKEN DATA LENGTH < 226h -> byte 0
//   23/0A ROD TOKEN LENGTH != 01F8h -> byte 22 (token byte 6); 23/05 for a token whose
//         creator or target descriptor cannot be parsed (decode_rod_token)
//   then the range list rules of decode_block_device_range_list (26/00 at byte 534 for a
//   length < 16, 1A/00, 26/08, 26/00 overlap, 26/00 transfer size).
// Not checked here: whether the token is known and alive (token table, 23/xx), OFFSET INTO
// ROD against the bytes the token represents (26/00, needs the destination block length),
// and the capacity of the destination LU (check_ranges_in_capacity, 21/00).
// WRITE USING TOKEN DATA LENGTH larger or smaller than the range list implies is accepted;
// only descriptors inside both are used (the lenient reading of SBC's "should").
Result<WriteUsingTokenParams> decode_write_using_token(std::span<const std::uint8_t> params,
                                                       const RodTokenLimits& limits);

// Encodes with DATA LENGTH = 534 + 16 x ranges and no trailing bytes.
std::vector<std::uint8_t> encode_write_using_token(const WriteUsingTokenParams& params);

}  // namespace xg::scsi
