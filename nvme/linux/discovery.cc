// The one file that includes libnvme (see discovery.h). libnvme 1.3 puts namespaces under
// the controller when the kernel has no native multipath, and under the subsystem (the
// multipath head, whose generic node is still ngXnY) when it has; both lists are read and
// merged by name.
#include "nvme/linux/discovery.h"

#include <libnvme.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace xg::nvme {
namespace {

std::string text(const char* value) {
  std::string out = value == nullptr ? "" : value;
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out;
}

DiscoveredNamespace describe_namespace(nvme_ns_t ns) {
  DiscoveredNamespace out;
  out.name = text(nvme_ns_get_name(ns));
  out.nsid = static_cast<std::uint32_t>(nvme_ns_get_nsid(ns));
  out.lba_size = static_cast<std::uint32_t>(nvme_ns_get_lba_size(ns));
  out.lba_count = nvme_ns_get_lba_count(ns);
  const std::string generic = text(nvme_ns_get_generic_name(ns));
  out.generic_node = generic.empty() ? generic_node_for(out.name) : "/dev/" + generic;
  return out;
}

void add_namespace(DiscoveredController& controller, nvme_ns_t ns) {
  DiscoveredNamespace found = describe_namespace(ns);
  for (const auto& known : controller.namespaces) {
    if (known.name == found.name) return;
  }
  controller.namespaces.push_back(std::move(found));
}

}  // namespace

std::string generic_node_for(const std::string& block_name) {
  unsigned controller = 0;
  unsigned ns = 0;
  char tail = 0;
  if (std::sscanf(block_name.c_str(), "nvme%un%u%c", &controller, &ns, &tail) != 2) return "";
  return "/dev/ng" + std::to_string(controller) + "n" + std::to_string(ns);
}

base::Result<std::vector<DiscoveredController>, std::string> discover_controllers() {
  nvme_root_t root = nvme_scan(nullptr);
  if (root == nullptr) return std::string("libnvme nvme_scan failed: ") + std::strerror(errno);
  std::vector<DiscoveredController> out;
  nvme_host_t host;
  nvme_subsystem_t subsystem;
  nvme_ctrl_t ctrl;
  nvme_ns_t ns;
  nvme_for_each_host(root, host) {
    nvme_for_each_subsystem(host, subsystem) {
      nvme_subsystem_for_each_ctrl(subsystem, ctrl) {
        DiscoveredController controller;
        controller.name = text(nvme_ctrl_get_name(ctrl));
        controller.transport = text(nvme_ctrl_get_transport(ctrl));
        controller.model = text(nvme_ctrl_get_model(ctrl));
        controller.serial = text(nvme_ctrl_get_serial(ctrl));
        controller.firmware = text(nvme_ctrl_get_firmware(ctrl));
        controller.subsystem_nqn = text(nvme_subsystem_get_nqn(subsystem));
        nvme_ctrl_for_each_ns(ctrl, ns) { add_namespace(controller, ns); }
        nvme_subsystem_for_each_ns(subsystem, ns) { add_namespace(controller, ns); }
        std::sort(controller.namespaces.begin(), controller.namespaces.end(),
                  [](const auto& a, const auto& b) { return a.nsid < b.nsid; });
        out.push_back(std::move(controller));
      }
    }
  }
  nvme_free_tree(root);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace xg::nvme
