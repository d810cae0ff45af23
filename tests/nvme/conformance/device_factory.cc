#include "tests/nvme/conformance/device_factory.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <system_error>

#include "nvme/emulated_device.h"

namespace xg::test {
namespace {

// Two emulated namespaces in a temp dir that is removed with the target.
class EmulatedTarget final : public ConformanceTarget {
 public:
  EmulatedTarget(std::filesystem::path dir, std::unique_ptr<nvme::Device> device)
      : dir_(std::move(dir)), device_(std::move(device)) {}
  ~EmulatedTarget() override {
    device_.reset();  // joins the workers before the files go
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  nvme::Device& device() override { return *device_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<nvme::Device> device_;
};

class PassthroughTarget final : public ConformanceTarget {
 public:
  explicit PassthroughTarget(std::unique_ptr<nvme::Device> device) : device_(std::move(device)) {}
  nvme::Device& device() override { return *device_; }

 private:
  std::unique_ptr<nvme::Device> device_;
};

std::unique_ptr<ConformanceTarget> make_emulated(std::string& why) {
  std::string pattern = (std::filesystem::temp_directory_path() / "xg-conformance-XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) {
    why = "mkdtemp failed";
    return nullptr;
  }
  const std::filesystem::path dir(pattern);
  nvme::EmulatedDeviceConfig config;
  config.controller.cross_namespace_copy = true;
  // More workers than the default 2, so concurrency cases (fused atomicity) really overlap.
  config.controller.threads = 4;
  for (std::uint32_t nsid : {1U, 2U}) {
    nvme::EmulatedNamespaceConfig ns;
    ns.nsid = nsid;
    ns.path = dir / ("ns" + std::to_string(nsid) + ".img");
    ns.lba_size = 512;
    ns.capacity = 32768;  // 16 MiB
    ns.mssrl = 128;
    ns.mcl = 1024;
    ns.msrc = 15;
    config.namespaces.push_back(ns);
  }
  auto device = nvme::EmulatedDevice::create(config);
  if (!device) {
    why = device.error().path + ": " + device.error().why;
    return nullptr;
  }
  return std::make_unique<EmulatedTarget>(dir, std::move(device).value());
}

}  // namespace

std::vector<std::string> split_device_list(const std::string& list) {
  std::vector<std::string> nodes;
  std::stringstream in(list);
  for (std::string node; std::getline(in, node, ',');) {
    if (!node.empty()) nodes.push_back(node);
  }
  return nodes;
}

std::unique_ptr<ConformanceTarget> make_conformance_target(std::string& why) {
  const char* env = std::getenv("XG_CONFORMANCE_DEVICES");
  const std::vector<std::string> nodes = split_device_list(env == nullptr ? "" : env);
  if (nodes.empty()) return make_emulated(why);
#ifdef XG_HAVE_PASSTHROUGH
  auto device = open_passthrough_device(nodes, why);
  if (!device) return nullptr;
  return std::make_unique<PassthroughTarget>(std::move(device));
#else
  why = "XG_CONFORMANCE_DEVICES is set but this build has no passthrough device "
        "(configure with -DXG_HAVE_PASSTHROUGH=ON)";
  return nullptr;
#endif
}

}  // namespace xg::test
