// `xgate serve` configuration: a TOML file (examples/xgate.toml documents every key) read
// into plain structs. Nothing of the TOML library shows through this header.
//
//   [server]            portals = ["127.0.0.1:3260"], threads, data_dir, log_level
//   [[target]]          name (iSCSI name, RFC 7143 §4.2.7), alias
//     [[target.lun]]    lun = 0..16383 (unique in its target) and exactly one device:
//                       emulated = { file, size, block_size, mssrl, mcl, msrc }
//                       nvme = "/dev/ngXnY"   (Linux passthrough)
//
// Strict on purpose: an unknown key, a wrong type, a value out of range, a duplicate LUN,
// target name or backing file is an error `FILE:LINE:COLUMN: what is wrong`, because a
// typo that is silently ignored serves the wrong storage.
//
// Paths: a relative `data_dir` is taken relative to the directory of the config file; a
// relative emulated `file` relative to the data directory (backing_file_path()).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

namespace xg::config {

enum class LogLevel : std::uint8_t { kTrace, kDebug, kInfo, kWarn, kError, kCritical, kOff };

// "trace" "debug" "info" "warn" "error" "critical" "off" (spdlog's names).
std::optional<LogLevel> parse_log_level(std::string_view text);
std::string_view log_level_name(LogLevel level);

// A TCP listening address: IPv4 literal, or IPv6 literal in brackets ("[::1]:3260").
struct Endpoint {
  std::string address;  // without brackets
  std::uint16_t port = 3260;
  bool operator==(const Endpoint&) const = default;
};

// Parses "ADDR:PORT" (port 0 picks a free port, for tests). On failure returns nullopt
// and says why in `why`.
std::optional<Endpoint> parse_endpoint(std::string_view text, std::string& why);

// Copy limits an emulated namespace reports in Identify Namespace (NVM Command Set 1.0,
// TP4065) unless its configuration says otherwise; the one definition that the TOML
// defaults, the embedded default target and `xgate serve --help` all use. They model a
// capable device, not QEMU's small ones (128/1024/15, tests/interop/vm): MSSRL 65535 holds
// a whole SCSI segment of the advertised MAXIMUM SEGMENT LENGTH (65528 x 512 B) in one
// range, MSRC 127 lets the planner gather 128 of them, and MCL = 128 x 65535 so the range
// count, never MCL, ends a Copy: an EXTENDED COPY of 64 maximum segments (2 GiB at 512 B)
// is one NVMe Copy and, contiguous, one copy_file_range. With QEMU's limits a 1 GiB copy
// was 2048 Copies of 8 x 64 KiB and took 30x copy_file_range
// (bench/xcopy_vs_host_copy.sh). Set smaller ones to exercise splitting.
inline constexpr std::uint16_t kDefaultEmulatedMssrl = 65535;  // blocks per source range
inline constexpr std::uint8_t kDefaultEmulatedMsrc = 127;      // ranges per Copy, 0's based
inline constexpr std::uint32_t kDefaultEmulatedMcl =           // blocks per Copy command
    std::uint32_t{kDefaultEmulatedMssrl} * (kDefaultEmulatedMsrc + 1U);

// An NVM namespace emulated in a sparse file (nvme/emulated_namespace.h).
struct EmulatedBacking {
  std::string file;                // relative: inside ServeConfig::data_dir
  std::uint64_t size_bytes = 0;    // a non-zero multiple of block_size
  std::uint32_t block_size = 512;  // 512 or 4096
  // Copy limits reported in Identify Namespace; the defaults are kDefaultEmulated*.
  std::uint16_t mssrl = kDefaultEmulatedMssrl;  // blocks per source range, 1-based
  std::uint32_t mcl = kDefaultEmulatedMcl;      // blocks per Copy command, 1-based, >= mssrl
  std::uint8_t msrc = kDefaultEmulatedMsrc;     // source ranges per Copy command, 0's based
  bool operator==(const EmulatedBacking&) const = default;
};

// A real namespace through Linux NVMe passthrough: a generic node "/dev/ngXnY".
struct PassthroughBacking {
  std::string node;
  bool operator==(const PassthroughBacking&) const = default;
};

struct LunConfig {
  std::uint16_t lun = 0;  // SAM-5 single-level LUN, peripheral/flat addressing: 0..16383
  std::variant<EmulatedBacking, PassthroughBacking> device;
  bool operator==(const LunConfig&) const = default;
};

struct TargetConfig {
  std::string name;             // iSCSI name (iqn., eui. or naa.), validated
  std::string alias;            // TargetAlias (RFC 7143 §13.6); may be empty
  std::vector<LunConfig> luns;  // in file order, at least one
  bool operator==(const TargetConfig&) const = default;
};

struct ServeConfig {
  std::vector<Endpoint> portals = {Endpoint{"127.0.0.1", 3260}};
  unsigned threads = 2;
  std::string data_dir;  // empty: not configured (the caller picks default_data_dir())
  LogLevel log_level = LogLevel::kInfo;
  std::vector<TargetConfig> targets;  // at least one
  bool operator==(const ServeConfig&) const = default;
};

struct ConfigError {
  std::string message;  // "FILE:LINE:COLUMN: what is wrong" (or "FILE: ..." for I/O)
  bool operator==(const ConfigError&) const = default;
};

using ConfigResult = base::Result<ServeConfig, ConfigError>;

// Parses TOML text; `source_name` prefixes every error. Paths are kept as written.
ConfigResult parse_config(std::string_view toml_text, std::string_view source_name);

// Reads and parses a file; a relative data_dir becomes relative to the file's directory.
ConfigResult load_config_file(const std::filesystem::path& path);

// The embedded configuration `xgate serve` uses without --config (default_config.cc).
ServeConfig default_config();

// The Copy limits default_config()'s namespaces report, as `xgate serve --help` prints
// them: "MSSRL 65535, MCL 8388480, MSRC 127".
std::string default_copy_limits_text();

// $XDG_STATE_HOME/xgate when XDG_STATE_HOME is an absolute path, else ./xgate-data.
std::string default_data_dir();

// Where an emulated namespace lives: `file` if absolute, else data_dir/file.
std::filesystem::path backing_file_path(const ServeConfig& config, const EmulatedBacking& backing);

}  // namespace xg::config
