// The passthrough branch of the conformance device factory (device_factory.h): one
// PassthroughDevice over every node of XG_CONFORMANCE_DEVICES. XG_PASSTHROUGH_PATH picks
// the submission path so the guest run can exercise both: "uring" (io_uring, fail if
// unavailable), "ioctl" (NVME_IOCTL_IO64_CMD forced), unset/"auto" (io_uring, falling back
// to ioctl). The chosen path is printed once so the log shows which one ran.
#ifdef XG_HAVE_PASSTHROUGH

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "nvme/linux/passthrough_device.h"
#include "tests/nvme/conformance/device_factory.h"

namespace xg::test {

std::unique_ptr<nvme::Device> open_passthrough_device(const std::vector<std::string>& nodes,
                                                      std::string& why) {
  nvme::PassthroughOptions options;
  const char* env = std::getenv("XG_PASSTHROUGH_PATH");
  const std::string_view path = env == nullptr ? "auto" : env;
  if (path == "uring") {
    options.path = nvme::SubmissionPath::kIoUring;
  } else if (path == "ioctl") {
    options.path = nvme::SubmissionPath::kIoctl;
  } else if (path != "auto" && !path.empty()) {
    why = "XG_PASSTHROUGH_PATH must be uring, ioctl or auto, not " + std::string(path);
    return nullptr;
  }
  auto device = nvme::PassthroughDevice::open(nodes, options);
  if (!device) {
    why = nvme::describe(device.error());
    return nullptr;
  }
  static bool announced = false;
  if (!announced) {
    announced = true;
    std::fprintf(stderr, "conformance: passthrough on %s via %s\n", device.value()->name().c_str(),
                 device.value()->path() == nvme::SubmissionPath::kIoUring ? "io_uring"
                                                                          : "ioctl");
    for (const auto& note : device.value()->notes()) std::fprintf(stderr, "  note: %s\n", note.c_str());
  }
  return std::move(device).value();
}

}  // namespace xg::test

#endif  // XG_HAVE_PASSTHROUGH
