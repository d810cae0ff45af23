// emulated_copy_tool: times one large NVMe Copy through EmulatedDevice, for
// bench/reflink_copy.sh. Not built by CMake (the bench/ glob takes *_bench.cc only); the
// script compiles it together with nvme/ and base/.
//
//   emulated_copy_tool SOURCE_FILE DESTINATION_FILE LBA_SIZE BLOCKS
//
// SOURCE_FILE becomes NSID 1 and DESTINATION_FILE NSID 2 (both BLOCKS x LBA_SIZE bytes;
// a missing destination is created sparse). All BLOCKS blocks of NSID 1 are copied to LBA 0
// of NSID 2 with descriptor format 2h (cross-namespace, TP4130), ranges of 32,768 blocks,
// one Copy command per 256 ranges. Prints the seconds the copy took.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "nvme/copy_command.h"
#include "nvme/emulated_device.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s SOURCE DESTINATION LBA_SIZE BLOCKS\n", argv[0]);
    return 2;
  }
  const auto lba_size = static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10));
  const std::uint64_t blocks = std::strtoull(argv[4], nullptr, 10);
  xg::nvme::EmulatedDeviceConfig config;
  config.controller.cross_namespace_copy = true;
  for (std::uint32_t nsid : {1U, 2U}) {
    xg::nvme::EmulatedNamespaceConfig ns;
    ns.nsid = nsid;
    ns.path = argv[nsid];
    ns.lba_size = lba_size;
    ns.capacity = blocks;
    ns.mssrl = 0xFFFF;
    ns.mcl = 0xFFFFFFFF;
    ns.msrc = 255;
    config.namespaces.push_back(ns);
  }
  auto device = xg::nvme::EmulatedDevice::create(config);
  if (!device) {
    std::fprintf(stderr, "%s: %s\n", device.error().path.c_str(), device.error().why.c_str());
    return 1;
  }
  constexpr std::uint32_t kRangeBlocks = 32768;
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t done = 0;
  while (done < blocks) {
    std::vector<xg::nvme::SourceRange> ranges;
    const std::uint64_t first = done;
    while (done < blocks && ranges.size() < 256) {
      const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(kRangeBlocks, blocks - done));
      xg::nvme::SourceRange r;
      r.snsid = 1;
      r.slba = done;
      r.nlb = static_cast<std::uint16_t>(n - 1);
      ranges.push_back(r);
      done += n;
    }
    xg::nvme::CopyCommand cmd;
    cmd.nsid = 2;
    cmd.sdlba = first;
    cmd.desfmt = xg::nvme::kDescriptorFormat2;
    auto request = xg::nvme::build_copy(cmd, ranges);
    if (!request) return 1;
    const auto c = xg::nvme::execute(**device, {request->sqe, request->descriptors});
    if (!c.status.ok()) {
      std::fprintf(stderr, "copy failed: %s DW0=%u\n", xg::nvme::describe(c.status).c_str(), c.dw0);
      return 1;
    }
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::printf("%.3f\n", took.count());
  return 0;
}
