// The conformance suite's device, chosen at run time:
//   XG_CONFORMANCE_DEVICES unset or empty  two emulated namespaces (NSID 1 and 2) in a
//                                          fresh temp dir: 512-byte LBAs, MSSRL 128,
//                                          MCL 1024, MSRC 15 (the QEMU settings of
//                                          tests/interop/vm), cross-namespace copy on
//   XG_CONFORMANCE_DEVICES=/dev/ng0n1,...  Linux passthrough on those nodes; only when
//                                          built with -DXG_HAVE_PASSTHROUGH=ON, else the
//                                          factory fails with a message
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nvme/device.h"

namespace xg::test {

// The device under test plus whatever must outlive it (a temp dir to delete).
class ConformanceTarget {
 public:
  virtual ~ConformanceTarget() = default;
  virtual nvme::Device& device() = 0;
};

// Builds the target from XG_CONFORMANCE_DEVICES. On failure returns nullptr and sets
// `why`.
std::unique_ptr<ConformanceTarget> make_conformance_target(std::string& why);

// Comma list -> nodes ("a,b" -> {"a", "b"}), empty entries dropped.
std::vector<std::string> split_device_list(const std::string& list);

// ---- PASSTHROUGH HOOK -----------------------------------------------------------------
// Defined by the Linux passthrough library (nvme/linux/passthrough_device.*), not here:
// one Device over all the given /dev/ngXnY nodes (they must belong to one controller for
// cross-namespace cases). Only referenced when XG_HAVE_PASSTHROUGH is defined
// (CMake option XG_HAVE_PASSTHROUGH in tests/nvme/conformance/CMakeLists.txt).
std::unique_ptr<nvme::Device> open_passthrough_device(const std::vector<std::string>& nodes,
                                                      std::string& why);

}  // namespace xg::test
