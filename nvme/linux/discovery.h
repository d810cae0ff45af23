// NVMe topology discovery on Linux: which controllers exist and which generic namespace
// nodes (/dev/ngXnY) belong to each, from sysfs through libnvme 1.3 (src/nvme/tree.h,
// nvme_scan).
// discovery.cc is the ONLY file of the project that includes <libnvme.h>
// (tests/layering_test.sh): libnvme finds devices; every command is encoded in nvme/ and
// sent by PassthroughDevice, never by libnvme (its 1.3 Copy encoding swaps ELBAT/ELBATM).
//
// Discovery needs no privilege (it reads sysfs). It does not open the nodes: sizes come
// from sysfs; Copy limits need Identify, i.e. PassthroughDevice::open().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace xg::nvme {

struct DiscoveredNamespace {
  std::string name;          // kernel name of the block node, "nvme0n1"
  std::string generic_node;  // "/dev/ng0n1" (empty if the kernel has no generic node)
  std::uint32_t nsid = 0;
  std::uint32_t lba_size = 0;   // bytes
  std::uint64_t lba_count = 0;  // blocks
  friend bool operator==(const DiscoveredNamespace&, const DiscoveredNamespace&) = default;
};

struct DiscoveredController {
  std::string name;       // "nvme0"
  std::string transport;  // "pcie", "tcp", ...
  std::string model;
  std::string serial;
  std::string firmware;
  std::string subsystem_nqn;
  std::vector<DiscoveredNamespace> namespaces;  // ascending NSID
  friend bool operator==(const DiscoveredController&, const DiscoveredController&) = default;
};

// Every NVMe controller the kernel knows, with its namespaces. An error (text) only when
// libnvme cannot scan at all (no sysfs); a machine without NVMe gives an empty list.
base::Result<std::vector<DiscoveredController>, std::string> discover_controllers();

// The generic node for a block name: "nvme0n1" -> "/dev/ng0n1"; "" if it is not of the
// form nvme<X>n<Y>.
std::string generic_node_for(const std::string& block_name);

}  // namespace xg::nvme
