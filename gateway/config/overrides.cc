#include "gateway/config/overrides.h"

#include <algorithm>

namespace xg::config {

base::Result<void, ConfigError> apply_overrides(ServeConfig& config,
                                                const ServeOverrides& overrides) {
  if (!overrides.listen.empty()) {
    std::vector<Endpoint> portals;
    for (const std::string& text : overrides.listen) {
      std::string why;
      auto endpoint = parse_endpoint(text, why);
      if (!endpoint) return ConfigError{"--listen " + text + ": " + why};
      if (std::find(portals.begin(), portals.end(), *endpoint) != portals.end()) {
        return ConfigError{"--listen " + text + ": given twice"};
      }
      portals.push_back(*endpoint);
    }
    config.portals = std::move(portals);
  }
  if (!overrides.log_level.empty()) {
    auto level = parse_log_level(overrides.log_level);
    if (!level) {
      return ConfigError{"--log-level " + overrides.log_level +
                         ": not one of trace, debug, info, warn, error, critical, off"};
    }
    config.log_level = *level;
  }
  if (!overrides.data_dir.empty()) config.data_dir = overrides.data_dir;
  if (config.data_dir.empty()) config.data_dir = default_data_dir();
  return {};
}

}  // namespace xg::config
