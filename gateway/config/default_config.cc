// The configuration `xgate serve` runs without --config: what README's first command
// serves. Kept in code rather than in an embedded TOML string so it cannot fail to parse;
// tests/gateway/config_test.cc checks that examples/xgate.toml describes the same thing.
#include <cstdlib>

#include "gateway/config/config.h"

namespace xg::config {

std::string default_data_dir() {
  // XDG Base Directory Specification: $XDG_STATE_HOME is for state that persists across
  // restarts but is not worth backing up, such as namespace images; relative values
  // must be ignored. Without it, a directory beside where xgate was started, so a
  // first run from a clone never writes outside it.
  const char* state_home = std::getenv("XDG_STATE_HOME");
  if (state_home != nullptr && state_home[0] == '/') {
    return (std::filesystem::path(state_home) / "xgate").string();
  }
  return "./xgate-data";
}

ServeConfig default_config() {
  ServeConfig config;
  config.portals = {Endpoint{"127.0.0.1", 3260}};
  config.threads = 2;
  config.data_dir = default_data_dir();
  config.log_level = LogLevel::kInfo;
  TargetConfig target;
  target.name = "iqn.2026-12.org.xgate:default";
  target.alias = "xgate default target";
  // Two 1 GiB namespaces with the default Copy limits of a TOML emulated LUN
  // (kDefaultEmulatedMssrl/Mcl/Msrc, config.h), so that EXTENDED COPY between LUN 0 and
  // LUN 1 has a source and a destination.
  for (std::uint16_t lun : {0, 1}) {
    EmulatedBacking backing;
    backing.file = "ns" + std::to_string(lun + 1) + ".img";
    backing.size_bytes = std::uint64_t{1} << 30;
    backing.block_size = 512;
    backing.mssrl = kDefaultEmulatedMssrl;
    backing.mcl = kDefaultEmulatedMcl;
    backing.msrc = kDefaultEmulatedMsrc;
    target.luns.push_back(LunConfig{lun, backing});
  }
  config.targets.push_back(std::move(target));
  return config;
}

std::string default_copy_limits_text() {
  return "MSSRL " + std::to_string(kDefaultEmulatedMssrl) + ", MCL " +
         std::to_string(kDefaultEmulatedMcl) + ", MSRC " + std::to_string(kDefaultEmulatedMsrc);
}

}  // namespace xg::config
