// POPULATE TOKEN parameter list (83h/10h; SBC-4 5.12.2, table "POPULATE TOKEN parameter
// list"), both directions.
//
//   0-1    POPULATE TOKEN DATA LENGTH (n-1)
//   2      b7:2 reserved, b1 RTV, b0 IMMED
//   3      reserved
//   4-7    INACTIVITY TIMEOUT (seconds; 0 = the DEFAULT INACTIVITY TIMEOUT of VPD 8Fh)
//   8-11   ROD TYPE (meaningful only with RTV=1)
//   12-13  reserved
//   14-15  BLOCK DEVICE RANGE DESCRIPTOR LENGTH (n-15)
//   16-n   block device range descriptors (scsi/range_descriptor.h)
//
// Reserved fields are ignored (SPC-4 3.4.1 permits it; no known initiator sets them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "scsi/copy_limits.h"
#include "scsi/range_descriptor.h"
#include "scsi/sense.h"

namespace xg::scsi {

inline constexpr std::size_t kPopulateTokenHeaderSize = 16;
inline constexpr std::uint16_t kPopulateTokenMinDataLength = 0x001E;  // header + 1 descriptor

struct PopulateTokenParams {
  bool rtv = false;     // ROD TYPE field valid; RTV=0: any point-in-time type (Windows)
  bool immed = false;   // return after validation; Windows never sets it, ddpt can
  std::uint32_t inactivity_timeout = 0;  // seconds, 0 = default
  std::uint32_t rod_type = 0;            // kept as received even when RTV=0
  std::vector<BlockDeviceRangeDescriptor> ranges;  // source LBAs, in list order
  friend bool operator==(const PopulateTokenParams&, const PopulateTokenParams&) = default;
};

// Decodes and validates a POPULATE TOKEN parameter list: `params` is exactly what the
// CDB's PARAMETER LIST LENGTH delivered (so params.size() IS the CDB length). The caller
// completes a PARAMETER LIST LENGTH of 0 with GOOD without calling this (SBC: not an
// error); given 0 bytes this returns 1A/00 like 1..15. `accepted_rod_types` are the ROD
// types this copy manager creates on request (those advertised in VPD 8Fh 0108h with
// TOKEN_OUT=1). Pure: needs no LU. Checks, in this order, all ILLEGAL REQUEST:
//   1A/00 PARAMETER LIST LENGTH 1..15 (header incomplete), no pointer
//   26/00 POPULATE TOKEN DATA LENGTH < 1Eh -> byte 0
//   26/00 INACTIVITY TIMEOUT > limits.max_inactivity_timeout_s -> byte 4
//   26/00 RTV=1 and ROD TYPE not in accepted_rod_types -> byte 8
//   then the range list rules of decode_block_device_range_list (26/00 at byte 14 for a
//   length < 16, 1A/00, 26/08, 26/00 overlap, 26/00 transfer size).
// Left to the caller because they need the LU: check_ranges_in_capacity() (21/00) and the
// MAXIMUM BYTES IN BLOCK ROD checks (need the block length).
Result<PopulateTokenParams> decode_populate_token(std::span<const std::uint8_t> params,
                                                  const RodTokenLimits& limits,
                                                  std::span<const std::uint32_t> accepted_rod_types);

// Encodes with DATA LENGTH = 14 + 16 x ranges and no trailing bytes.
std::vector<std::uint8_t> encode_populate_token(const PopulateTokenParams& params);

}  // namespace xg::scsi
