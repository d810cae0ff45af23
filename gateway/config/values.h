// Scalar values of the configuration that are written as strings: sizes ("1GiB").
// Endpoints and log levels are public (config.h) because the command line takes them too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xg::config {

// "<digits>[B|KiB|MiB|GiB|TiB]" in bytes. Decimal units (KB, MB, GB) are refused rather
// than guessed: a 1 GB namespace is not a 1 GiB one, and the difference changes NSZE.
std::optional<std::uint64_t> parse_size(std::string_view text, std::string& why);

}  // namespace xg::config
