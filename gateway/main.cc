// xgate: the program. The composition root: it parses the command line and hands each
// subcommand its options. It is also the only place that chooses an emulated or a real
// NVMe device (open_device below; tests/layering_test.sh allows nvme/ here only), and
// where `xgate serve` puts devices, logical units and the iSCSI server together.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <memory>
#include <spdlog/spdlog.h>
#include <string>
#include <system_error>
#include <vector>

#include <CLI/CLI.hpp>

#include "gateway/cli/decode_command.h"
#include "gateway/cli/explain_command.h"
#include "gateway/cli/nvme_info_command.h"
#include "gateway/config/config.h"
#include "gateway/config/overrides.h"
#include "gateway/target/copy_log.h"
#include "gateway/target/server.h"
#include "nvme/emulated_device.h"
#include "nvme/io_commands.h"
#ifdef XG_HAVE_NVME_LINUX
#include "nvme/linux/passthrough_device.h"
#endif
#include "translate/device_report.h"
#include "translate/nvme_logical_unit.h"
#include "translate/scsi_target.h"

namespace {

using xg::config::EmulatedBacking;
using xg::config::ServeConfig;
using xg::config::TargetConfig;

// One emulated controller for the emulated LUNs of `target`: namespace i+1 is the i-th
// such LUN in file order (serve_target() relies on that order).
// `index` numbers the controllers (serial XGATE00000001, ...): initiators tell
// controllers apart by serial.
xg::nvme::EmulatedDeviceConfig emulated_device_config(const ServeConfig& config,
                                                      const TargetConfig& target,
                                                      std::size_t index = 0) {
  xg::nvme::EmulatedDeviceConfig device;
  device.controller.threads = config.threads;
  const std::string number = std::to_string(index + 1);
  device.controller.serial =
      "XGATE" + std::string(8 - std::min<std::size_t>(8, number.size()), '0') + number;
  std::uint32_t nsid = 1;
  for (const auto& lun : target.luns) {
    const auto* backing = std::get_if<EmulatedBacking>(&lun.device);
    if (backing == nullptr) continue;
    xg::nvme::EmulatedNamespaceConfig ns;
    ns.nsid = nsid++;
    ns.path = xg::config::backing_file_path(config, *backing).string();
    ns.lba_size = backing->block_size;
    ns.capacity = backing->size_bytes / backing->block_size;
    ns.mssrl = backing->mssrl;
    ns.mcl = backing->mcl;
    ns.msrc = backing->msrc;
    device.namespaces.push_back(ns);
  }
  return device;
}

std::unique_ptr<xg::nvme::Device> create_emulated(const xg::nvme::EmulatedDeviceConfig& config,
                                                  std::string& why) {
  for (const auto& ns : config.namespaces) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(ns.path).parent_path(), ec);
  }
  auto device = xg::nvme::EmulatedDevice::create(config);
  if (!device) {
    why = device.error().path + ": " + device.error().why;
    return nullptr;
  }
  return std::move(device).value();
}

// DEVICE is "emulated:DIR" (the embedded default's LUNs, `xgate serve` without a config,
// with DIR as data directory) or a comma list of /dev/ngXnY nodes of one controller.
// Returns nullptr and sets `why` on failure.
std::unique_ptr<xg::nvme::Device> open_device(const std::string& spec, std::string& why) {
  constexpr std::string_view kEmulated = "emulated:";
  if (spec.starts_with(kEmulated)) {
    ServeConfig config = xg::config::default_config();
    config.data_dir = spec.substr(kEmulated.size());
    return create_emulated(emulated_device_config(config, config.targets.front()), why);
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

// ---- xgate serve ------------------------------------------------------------------------

struct ServeOptions {
  std::string config_file;  // empty: the embedded default (xg::config::default_config)
  xg::config::ServeOverrides overrides;
};

void add_serve_command(CLI::App& app, ServeOptions& options) {
  auto* serve = app.add_subcommand(
      "serve",
      "Serve iSCSI targets whose LUNs are NVMe namespaces (emulated in sparse files, or\n"
      "real ones through /dev/ngXnY passthrough) until SIGINT or SIGTERM.");
  serve->footer(
      "Without --config it serves the embedded default: target iqn.2026-12.org.xgate:default\n"
      "on 127.0.0.1:3260 with LUN 0 and LUN 1 on emulated 1 GiB namespaces ns1.img and\n"
      "ns2.img (512-byte blocks, Copy limits " +
      xg::config::default_copy_limits_text() +
      ") in the data\n"
      "directory: --data-dir, else the file's data_dir, else $XDG_STATE_HOME/xgate when\n"
      "XDG_STATE_HOME is set, else ./xgate-data. examples/xgate.toml documents every key.\n"
      "\n"
      "Exit status: 0 after a clean stop; 1 when it cannot start (bad command line or\n"
      "configuration, a device that cannot be opened, a portal that cannot be bound).\n"
      "\n"
      "Examples:\n"
      "  xgate serve\n"
      "  xgate serve --config examples/xgate.toml --listen 0.0.0.0:3260\n"
      "  xgate serve --data-dir /tmp/xg --listen 127.0.0.1:3261 --log-level debug");
  serve->add_option("--config", options.config_file, "TOML configuration file")->type_name("FILE");
  serve
      ->add_option("--data-dir", options.overrides.data_dir,
                   "Directory of emulated namespace images (overrides server.data_dir)")
      ->type_name("DIR");
  serve
      ->add_option("--listen", options.overrides.listen,
                   "Portal to listen on, repeatable; replaces server.portals. IPv6 in "
                   "brackets: [::1]:3260; port 0 picks a free port")
      ->type_name("ADDR:PORT")
      ->allow_extra_args(false);
  serve
      ->add_option("--log-level", options.overrides.log_level,
                   "trace, debug, info, warn, error, critical or off (overrides "
                   "server.log_level)")
      ->type_name("LEVEL");
}

spdlog::level::level_enum spdlog_level(xg::config::LogLevel level) {
  using xg::config::LogLevel;
  switch (level) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kCritical:
      return spdlog::level::critical;
    case LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

// What `xgate serve` owns while it runs. Devices are declared first so they outlive the
// logical units that reference them (members are destroyed in reverse order).
struct ServedTargets {
  std::vector<std::unique_ptr<xg::nvme::Device>> devices;
  std::vector<xg::gateway::TargetDefinition> targets;
};

// Builds one target: one emulated controller for all its emulated LUNs (a namespace each,
// in file order), one passthrough device per `nvme` LUN, and an NVMe-backed logical unit
// per LUN. False and `why` when a device or LU cannot be created.
bool build_target(const ServeConfig& config, const TargetConfig& target, ServedTargets& served,
                  std::string& why) {
  xg::nvme::Device* emulated = nullptr;
  const auto emulated_config = emulated_device_config(config, target, served.targets.size());
  if (!emulated_config.namespaces.empty()) {
    auto device = create_emulated(emulated_config, why);
    if (!device) return false;
    emulated = device.get();
    served.devices.push_back(std::move(device));
  }
  auto scsi = std::make_shared<xg::translate::ScsiTarget>();
  scsi->copy_manager()->set_observer([name = target.name](const xg::translate::CopyEvent& event) {
    xg::gateway::log_copy_event(name, event);
  });
  std::uint32_t next_emulated_nsid = 1;
  for (const auto& lun : target.luns) {
    xg::nvme::Device* device = emulated;
    std::uint32_t nsid = 0;
    xg::translate::LogicalUnitIdentity identity;
    if (const auto* backing = std::get_if<EmulatedBacking>(&lun.device)) {
      nsid = next_emulated_nsid++;
      // The LU's NAA designator and serial follow the image, not the LUN number, so an
      // initiator recognises the same data after the file is reconfigured elsewhere.
      std::error_code ec;
      identity.unique_name = "emulated:" + std::filesystem::absolute(
                                               xg::config::backing_file_path(config, *backing), ec)
                                               .lexically_normal()
                                               .string();
    } else {
      const auto& node = std::get<xg::config::PassthroughBacking>(lun.device).node;
      auto opened = open_device(node, why);
      if (!opened) return false;
      if (opened->namespace_ids().empty()) {
        why = node + ": no active namespace";
        return false;
      }
      nsid = opened->namespace_ids().front();
      device = opened.get();
      served.devices.push_back(std::move(opened));
    }
    std::string unit_why;
    auto unit = xg::translate::make_nvme_logical_unit(*device, nsid, identity, &unit_why);
    if (!unit) {
      why = target.name + " LUN " + std::to_string(lun.lun) + ": " + unit_why;
      return false;
    }
    scsi->add_lun(lun.lun, std::move(unit));
  }
  served.targets.push_back(xg::gateway::TargetDefinition{target.name, target.alias, scsi});
  return true;
}

// A literal an initiator on this host can use to reach `address` (wildcards -> loopback).
std::string client_address(const std::string& address) {
  if (address == "0.0.0.0") return "127.0.0.1";
  if (address == "::") return "[::1]";
  if (address.find(':') != std::string::npos) return "[" + address + "]";
  return address;
}

void print_how_to_connect(const ServeConfig& config, const std::vector<std::uint16_t>& ports) {
  for (std::size_t i = 0; i < config.portals.size() && i < ports.size(); ++i) {
    std::printf("xgate: listening on %s:%u\n", client_address(config.portals[i].address).c_str(),
                static_cast<unsigned>(ports[i]));
  }
  if (ports.empty()) return;
  const std::string portal =
      client_address(config.portals.front().address) + ":" + std::to_string(ports.front());
  std::printf("\nConnect with:\n");
  std::printf("  iscsiadm -m discovery -t sendtargets -p %s\n", portal.c_str());
  for (const auto& target : config.targets) {
    for (const auto& lun : target.luns) {
      const std::string url =
          "iscsi://" + portal + "/" + target.name + "/" + std::to_string(lun.lun);
      std::printf("  iscsi-inq %s\n", url.c_str());
    }
    const std::string url =
        "iscsi://" + portal + "/" + target.name + "/" + std::to_string(target.luns.front().lun);
    std::printf("  iscsi-ls -s iscsi://%s\n", portal.c_str());
    std::printf("  qemu-img info %s\n", url.c_str());
  }
  std::printf("Data directory: %s. Stop with Ctrl-C (SIGINT) or SIGTERM.\n",
              config.data_dir.c_str());
  std::fflush(stdout);
}

// Flush (NVMe Base 2.0 7.1) every namespace, so data written through a volatile write
// cache is durable before exit (emulated: fdatasync of each image). False if one failed.
bool flush_devices(const std::vector<std::unique_ptr<xg::nvme::Device>>& devices) {
  bool all_ok = true;
  for (const auto& device : devices) {
    for (std::uint32_t nsid : device->namespace_ids()) {
      auto done = std::make_shared<std::promise<xg::nvme::Status>>();
      auto result = done->get_future();
      device->submit(xg::nvme::Command{xg::nvme::build_flush(nsid), {}},
                     [done](const xg::nvme::Completion& c) { done->set_value(c.status); });
      if (result.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
        spdlog::error("{} namespace {}: flush did not complete in 30 s", device->name(), nsid);
        all_ok = false;
        continue;
      }
      const auto status = result.get();
      if (!status.ok()) {
        spdlog::error("{} namespace {}: flush failed: {}", device->name(), nsid,
                      xg::nvme::describe(status));
        all_ok = false;
      }
    }
  }
  return all_ok;
}

xg::gateway::ServerOptions server_options(const ServeConfig& config) {
  xg::gateway::ServerOptions options;
  options.portals.clear();
  for (const auto& endpoint : config.portals) {
    options.portals.push_back(xg::gateway::Portal{endpoint.address, endpoint.port});
  }
  options.threads = config.threads;
  options.stop_on_signals = true;  // SIGINT/SIGTERM -> stop(), through Asio's signal_set
  return options;
}

int run_serve(const ServeOptions& options) {
  auto loaded = options.config_file.empty() ? xg::config::ConfigResult(xg::config::default_config())
                                            : xg::config::load_config_file(options.config_file);
  if (!loaded) {
    std::fprintf(stderr, "xgate serve: %s\n", loaded.error().message.c_str());
    return 1;
  }
  ServeConfig config = std::move(loaded).value();
  if (auto applied = xg::config::apply_overrides(config, options.overrides); !applied) {
    std::fprintf(stderr, "xgate serve: %s\n", applied.error().message.c_str());
    return 1;
  }
  spdlog::set_level(spdlog_level(config.log_level));
  spdlog::info("xgate serve: {} ({} target(s), data directory {})",
               options.config_file.empty() ? "embedded default configuration" : options.config_file,
               config.targets.size(), config.data_dir);

  ServedTargets served;
  for (const auto& target : config.targets) {
    std::string why;
    if (!build_target(config, target, served, why)) {
      std::fprintf(stderr, "xgate serve: %s\n", why.c_str());
      return 1;
    }
  }
  {
    xg::gateway::Server server(server_options(config), served.targets);
    std::string why;
    if (!server.listen(why)) {
      std::fprintf(stderr, "xgate serve: cannot listen: %s\n", why.c_str());
      return 1;
    }
    print_how_to_connect(config, server.bound_ports());
    server.run();  // returns after SIGINT/SIGTERM, once every connection is closed
    spdlog::info("xgate serve: stopped; flushing {} device(s)", served.devices.size());
  }
  served.targets.clear();  // the logical units go before the devices they use
  return flush_devices(served.devices) ? 0 : 1;
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
  xg::cli::ExplainOptions explain_options;
  xg::cli::add_explain_command(app, explain_options);
  xg::cli::NvmeInfoOptions nvme_info_options;
  xg::cli::add_nvme_info_command(app, nvme_info_options);
  ServeOptions serve_options;
  add_serve_command(app, serve_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Start-up only (exceptions never reach the data path). --help and --version are
    // "errors" with code 0; every real usage error exits 1 as `xgate decode --help` says.
    return app.exit(e) == 0 ? 0 : 1;
  }
  if (app.got_subcommand("decode")) return xg::cli::run_decode(decode_options);
  if (app.got_subcommand("explain")) return xg::cli::run_explain(explain_options);
  if (app.got_subcommand("nvme-info")) return run_nvme_info(nvme_info_options);
  if (app.got_subcommand("serve")) return run_serve(serve_options);
  return 0;
}
