// Command-line overrides of `xgate serve` applied on top of the configuration file (or
// the embedded default), so the file stays the one description and flags only adjust it.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "gateway/config/config.h"

namespace xg::config {

struct ServeOverrides {
  std::string data_dir;             // --data-dir; empty: keep
  std::vector<std::string> listen;  // --listen ADDR:PORT...; non-empty replaces portals
  std::string log_level;            // --log-level; empty: keep
};

// Applies `overrides`, then fills an unset data_dir with default_data_dir(). Errors name
// the flag: "--listen host:1: \"host\" is not an IPv4 address literal ...".
base::Result<void, ConfigError> apply_overrides(ServeConfig& config,
                                                const ServeOverrides& overrides);

}  // namespace xg::config
