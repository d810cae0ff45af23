#include "nvme/linux/queue_limits.h"

#include <algorithm>
#include <charconv>
#include <fstream>

namespace xg::nvme::linux_queue {
namespace {

std::optional<std::uint32_t> read_number(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!in || !std::getline(in, text)) return std::nullopt;
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end == text.data()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<QueueLimits> read_queue_limits(const std::string& generic_node,
                                             const std::string& sysfs_root) {
  const std::string base = generic_node.substr(generic_node.find_last_of('/') + 1);
  if (base.rfind("ng", 0) != 0 || base.size() < 3) return std::nullopt;
  const std::string queue = sysfs_root + "/block/nvme" + base.substr(2) + "/queue/";
  const auto sectors_kb = read_number(queue + "max_hw_sectors_kb");
  const auto segments = read_number(queue + "max_segments");
  if (!sectors_kb || !segments) return std::nullopt;
  return QueueLimits{*sectors_kb, *segments};
}

std::uint32_t transfer_limit(const QueueLimits& limits, std::uint32_t page_size) {
  const std::uint32_t segments =
      limits.max_segments == 0 ? kAssumedMaxSegments : limits.max_segments;
  std::uint64_t bytes = std::uint64_t{std::max<std::uint32_t>(segments, 2) - 1} * page_size;
  if (limits.max_hw_sectors_kb != 0) {
    bytes = std::min<std::uint64_t>(bytes, std::uint64_t{limits.max_hw_sectors_kb} * 1024);
  }
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(bytes, UINT32_MAX / page_size * page_size));
}

}  // namespace xg::nvme::linux_queue
