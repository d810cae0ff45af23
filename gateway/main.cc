// xgate: the program. The composition root: it parses the command line and hands each
// subcommand its options. It is also the only place that chooses an emulated or a real
// NVMe device (open_device below; tests/layering_test.sh allows nvme/ here only).
#include <CLI/CLI.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "gateway/cli/decode_command.h"
#include "gateway/cli/nvme_info_command.h"
#include "nvme/emulated_device.h"
#ifdef XG_HAVE_NVME_LINUX
#include "nvme/linux/passthrough_device.h"
#endif
#include "translate/device_report.h"

namespace {

// The emulated device's default layout in DIR: two namespaces of 1 GiB (sparse files
// ns1.img, ns2.img), 512-byte blocks, and the Copy limits of the QEMU guest
// (tests/interop/vm): MSSRL 128, MCL 1024, MSRC 15.
xg::nvme::EmulatedDeviceConfig default_emulated_config(const std::filesystem::path& dir) {
  xg::nvme::EmulatedDeviceConfig config;
  for (std::uint32_t nsid : {1U, 2U}) {
    xg::nvme::EmulatedNamespaceConfig ns;
    ns.nsid = nsid;
    ns.path = (dir / ("ns" + std::to_string(nsid) + ".img")).string();
    ns.lba_size = 512;
    ns.capacity = 2097152;
    config.namespaces.push_back(ns);
  }
  return config;
}

// DEVICE is "emulated:DIR" or a comma list of /dev/ngXnY nodes of one controller.
// Returns nullptr and sets `why` on failure.
std::unique_ptr<xg::nvme::Device> open_device(const std::string& spec, std::string& why) {
  constexpr std::string_view kEmulated = "emulated:";
  if (spec.starts_with(kEmulated)) {
    const std::filesystem::path dir = spec.substr(kEmulated.size());
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    auto device = xg::nvme::EmulatedDevice::create(default_emulated_config(dir));
    if (!device) {
      why = device.error().path + ": " + device.error().why;
      return nullptr;
    }
    return std::move(device).value();
  }
#ifdef XG_HAVE_NVME_LINUX
  std::vector<std::string> nodes;
  for (std::size_t at = 0; at <= spec.size();) {
    const std::size_t comma = std::min(spec.find(',', at), spec.size());
    if (comma > at) nodes.push_back(spec.substr(at, comma - at));
    at = comma + 1;
  }
  auto device = xg::nvme::PassthroughDevice::open(nodes);
  if (!device) {
    why = xg::nvme::describe(device.error());
    return nullptr;
  }
  return std::move(device).value();
#else
  why = "this xgate was built without Linux NVMe passthrough (liburing/libnvme missing)";
  return nullptr;
#endif
}

int run_nvme_info(const xg::cli::NvmeInfoOptions& options) {
  std::vector<xg::cli::NvmeInfoEntry> entries;
  for (const auto& spec : options.devices) {
    xg::cli::NvmeInfoEntry entry;
    entry.spec = spec;
    if (auto device = open_device(spec, entry.error)) {
      entry.report = xg::translate::make_device_report(*device);
    }
    entries.push_back(std::move(entry));
  }
  return xg::cli::run_nvme_info(options, entries);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "xgate: an iSCSI target that gives NVMe storage SCSI copy offload.\n"
      "EXTENDED COPY (VMware VAAI, QEMU, sg_xcopy, ddpt) and ODX token copies (Windows)\n"
      "are executed as NVMe Copy commands on the backing namespaces.",
      "xgate"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "xgate 0.1.0");

  xg::cli::DecodeOptions decode_options;
  xg::cli::add_decode_command(app, decode_options);
  xg::cli::NvmeInfoOptions nvme_info_options;
  xg::cli::add_nvme_info_command(app, nvme_info_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Start-up only (exceptions never reach the data path). --help and --version are
    // "errors" with code 0; every real usage error exits 1 as `xgate decode --help` says.
    return app.exit(e) == 0 ? 0 : 1;
  }
  if (app.got_subcommand("decode")) return xg::cli::run_decode(decode_options);
  if (app.got_subcommand("nvme-info")) return run_nvme_info(nvme_info_options);
  return 0;
}
