// Block device range descriptor lists shared by POPULATE TOKEN and WRITE USING TOKEN
// (SBC-4 5.12.3 / 5.59.3, table "Block device range descriptor").
//
// The list is a 2-byte BLOCK DEVICE RANGE DESCRIPTOR LENGTH followed by 16-byte
// descriptors:
//   0-7    LOGICAL BLOCK ADDRESS
//   8-11   NUMBER OF LOGICAL BLOCKS (0 = nothing to do for this descriptor, not an error)
//   12-15  reserved
// In POPULATE TOKEN the ranges are source LBAs on the LU receiving the command; in WRITE
// USING TOKEN they are destination LBAs. Either way the data is the concatenation of the
// ranges in list order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "scsi/copy_limits.h"
#include "scsi/sense.h"

namespace xg::scsi {

inline constexpr std::size_t kBlockDeviceRangeDescriptorSize = 16;

struct BlockDeviceRangeDescriptor {
  std::uint64_t logical_block_address = 0;
  std::uint32_t number_of_logical_blocks = 0;
  friend bool operator==(const BlockDeviceRangeDescriptor&,
                         const BlockDeviceRangeDescriptor&) = default;
};

// Decodes BLOCK DEVICE RANGE DESCRIPTOR LENGTH (at the reader's position) and the complete
// descriptors after it. `list_end` is the absolute offset where the command's DATA LENGTH
// says the parameter data ends; the descriptors used are those that lie completely inside
// the declared range list, the DATA LENGTH and the bytes actually received (SBC: a
// trailing partial descriptor, or descriptors cut off by PARAMETER LIST LENGTH, are
// ignored). Checks, in this order, all ILLEGAL REQUEST:
//   26/00 BLOCK DEVICE RANGE DESCRIPTOR LENGTH < 16 -> pointer at that length field
//   1A/00 the received bytes hold no complete descriptor although the length promised
//         one (PARAMETER LIST LENGTH cut every descriptor off) -> no pointer
//   26/08 more complete descriptors than limits.max_range_descriptors -> pointer at the
//         first descriptor over the limit
//   26/00 a descriptor shares an LBA with an earlier one (descriptors of 0 blocks never
//         overlap) -> pointer at the LOGICAL BLOCK ADDRESS of the later descriptor
//   26/00 the total number of blocks exceeds limits.max_token_transfer_size_blocks (when
//         non-zero) -> pointer at the NUMBER OF LOGICAL BLOCKS that crosses it
// Byte limits (MAXIMUM BYTES IN BLOCK ROD) and capacity need the LU's block length and
// size; see check_ranges_in_capacity() and translate/.
Result<std::vector<BlockDeviceRangeDescriptor>> decode_block_device_range_list(
    base::ByteReader& r, std::size_t list_end, const RodTokenLimits& limits);

// Appends BLOCK DEVICE RANGE DESCRIPTOR LENGTH (16 x ranges.size()) and the descriptors.
void encode_block_device_range_list(std::span<const BlockDeviceRangeDescriptor> ranges,
                                    base::ByteWriter& w);

// Sum of NUMBER OF LOGICAL BLOCKS over all descriptors.
std::uint64_t total_logical_blocks(std::span<const BlockDeviceRangeDescriptor> ranges);

// SBC-4 5.12.2 / 5.59.2: a range whose LOGICAL BLOCK ADDRESS + NUMBER OF LOGICAL BLOCKS
// exceeds `capacity_blocks` (READ CAPACITY's RETURNED LOGICAL BLOCK ADDRESS + 1) ->
// ILLEGAL REQUEST 21/00 LOGICAL BLOCK ADDRESS OUT OF RANGE, with INFORMATION set to the
// offending LBA. Ranges of 0 blocks are not checked (they transfer nothing).
Result<void> check_ranges_in_capacity(std::span<const BlockDeviceRangeDescriptor> ranges,
                                      std::uint64_t capacity_blocks);

}  // namespace xg::scsi
