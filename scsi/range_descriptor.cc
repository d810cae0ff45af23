#include "scsi/range_descriptor.h"

#include <algorithm>
#include <string>

namespace xg::scsi {
namespace {

// Two non-empty ranges share an LBA. Written without computing lba + count, which can
// pass 2^64 for an LBA near the top of the address space.
bool overlap(const BlockDeviceRangeDescriptor& a, const BlockDeviceRangeDescriptor& b) {
  if (a.number_of_logical_blocks == 0 || b.number_of_logical_blocks == 0) return false;
  if (a.logical_block_address >= b.logical_block_address) {
    return a.logical_block_address - b.logical_block_address < b.number_of_logical_blocks;
  }
  return b.logical_block_address - a.logical_block_address < a.number_of_logical_blocks;
}

// The first descriptor that overlaps an earlier one, or ranges.size(). Quadratic, but the
// list holds at most 4095 descriptors (a 16-bit length) and limits cap it far lower
// (Windows sends at most 64); reporting the *first* later descriptor keeps the field
// pointer independent of sorting.
std::size_t first_overlapping(std::span<const BlockDeviceRangeDescriptor> ranges) {
  for (std::size_t j = 1; j < ranges.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      if (overlap(ranges[i], ranges[j])) return j;
    }
  }
  return ranges.size();
}

}  // namespace

Result<std::vector<BlockDeviceRangeDescriptor>> decode_block_device_range_list(
    base::ByteReader& r, std::size_t list_end, const RodTokenLimits& limits) {
  const std::size_t at_length = r.offset();
  const std::uint16_t declared = r.be16();
  if (!r.ok() || declared < kBlockDeviceRangeDescriptorSize) {
    return Sense::invalid_field_in_param_list(FieldRef::param(at_length))
        .because("BLOCK DEVICE RANGE DESCRIPTOR LENGTH " + std::to_string(declared) +
                 " is less than 16");
  }
  const std::size_t first_at = r.offset();
  const std::size_t by_data_length = list_end > first_at ? list_end - first_at : 0;
  const std::size_t usable = std::min({std::size_t{declared}, by_data_length, r.remaining()});
  const std::size_t count = usable / kBlockDeviceRangeDescriptorSize;
  if (count == 0) {
    return Sense::param_list_length_error().because(
        "PARAMETER LIST LENGTH truncates every block device range descriptor");
  }
  if (count > limits.max_range_descriptors) {
    const std::size_t at = first_at + limits.max_range_descriptors * kBlockDeviceRangeDescriptorSize;
    return Sense::too_many_segment_descriptors(FieldRef::param(at))
        .because(std::to_string(count) + " range descriptors, MAXIMUM RANGE DESCRIPTORS is " +
                 std::to_string(limits.max_range_descriptors));
  }
  std::vector<BlockDeviceRangeDescriptor> ranges(count);
  for (auto& range : ranges) {
    range.logical_block_address = r.be64();
    range.number_of_logical_blocks = r.be32();
    r.skip(4);
  }
  if (const std::size_t j = first_overlapping(ranges); j < count) {
    return Sense::invalid_field_in_param_list(
               FieldRef::param(first_at + j * kBlockDeviceRangeDescriptorSize))
        .because("range descriptor " + std::to_string(j) + " overlaps an earlier one");
  }
  if (limits.max_token_transfer_size_blocks != 0) {
    std::uint64_t total = 0;
    for (std::size_t j = 0; j < count; ++j) {
      total += ranges[j].number_of_logical_blocks;
      if (total > limits.max_token_transfer_size_blocks) {
        return Sense::invalid_field_in_param_list(
                   FieldRef::param(first_at + j * kBlockDeviceRangeDescriptorSize + 8))
            .because("ranges exceed MAXIMUM TOKEN TRANSFER SIZE");
      }
    }
  }
  return ranges;
}

void encode_block_device_range_list(std::span<const BlockDeviceRangeDescriptor> ranges,
                                    base::ByteWriter& w) {
  w.be16(static_cast<std::uint16_t>(ranges.size() * kBlockDeviceRangeDescriptorSize));
  for (const auto& range : ranges) {
    w.be64(range.logical_block_address);
    w.be32(range.number_of_logical_blocks);
    w.zeros(4);
  }
}

std::uint64_t total_logical_blocks(std::span<const BlockDeviceRangeDescriptor> ranges) {
  std::uint64_t total = 0;
  for (const auto& range : ranges) total += range.number_of_logical_blocks;
  return total;
}

Result<void> check_ranges_in_capacity(std::span<const BlockDeviceRangeDescriptor> ranges,
                                      std::uint64_t capacity_blocks) {
  for (const auto& range : ranges) {
    if (range.number_of_logical_blocks == 0) continue;
    const bool fits = range.logical_block_address <= capacity_blocks &&
                      capacity_blocks - range.logical_block_address >=
                          range.number_of_logical_blocks;
    if (!fits) {
      Sense s = Sense::lba_out_of_range();
      s.information = range.logical_block_address;
      return std::move(s).because("range at LBA " + std::to_string(range.logical_block_address) +
                                  " runs past the capacity of " +
                                  std::to_string(capacity_blocks) + " blocks");
    }
  }
  return {};
}

}  // namespace xg::scsi
