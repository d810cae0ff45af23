// How much data one passthrough command may carry through the Linux kernel.
//
// A passthrough command's buffer is mapped as it is (block/blk-map.c): the kernel pins the
// user pages and makes one segment per page unless neighbouring pages happen to be
// physically adjacent, and it does not split the request. A request over the namespace
// queue's max_segments or max_hw_sectors_kb fails with EINVAL before the controller sees
// it, where ordinary block I/O would have been split. Whether a 512 KiB buffer fits 127
// segments therefore depends on where its pages landed in physical memory, which made
// MDTS-sized commands fail at random on QEMU's controller (MDTS 512 KiB, 127 segments).
//
// The safe size is the one that fits even when no two pages merge and the buffer does not
// start on a page boundary (one page more than its length): (max_segments - 1) pages,
// and never more than max_hw_sectors_kb.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace xg::nvme::linux_queue {

struct QueueLimits {
  std::uint32_t max_hw_sectors_kb = 0;  // queue/max_hw_sectors_kb; 0 = unknown
  std::uint32_t max_segments = 0;       // queue/max_segments; 0 = unknown
};

// Linux's NVMe PCIe driver allows 127 segments per request up to 6.2 (NVME_MAX_SEGS) and
// 128 later: the assumption when sysfs cannot be read.
inline constexpr std::uint32_t kAssumedMaxSegments = 127;

// The queue limits of generic node /dev/ngXnY, from <sysfs_root>/block/nvmeXnY/queue/
// (the generic node and the block node share one request queue). nullopt when the node is
// not named ngXnY or the files cannot be read.
std::optional<QueueLimits> read_queue_limits(const std::string& generic_node,
                                             const std::string& sysfs_root = "/sys");

// The bytes one command may carry under `limits`, for any buffer alignment (see above);
// an unknown max_segments counts as kAssumedMaxSegments.
std::uint32_t transfer_limit(const QueueLimits& limits, std::uint32_t page_size);

}  // namespace xg::nvme::linux_queue
