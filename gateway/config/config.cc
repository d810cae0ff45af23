// Reads the TOML document into ServeConfig (config.h). Every table is checked against the
// keys it may hold, every value against its type and range, and every error names the
// position of the offending key or value. toml++ reports syntax errors by throwing
// toml::parse_error; that is caught here, at the one place the library is called, so no
// exception leaves configuration loading.
#include "gateway/config/config.h"

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <map>
#include <sstream>
#include <toml++/toml.h>

#include "gateway/config/iscsi_name.h"
#include "gateway/config/values.h"

namespace xg::config {
namespace {

using Check = base::Result<void, ConfigError>;
using Keys = std::initializer_list<std::string_view>;

// SAM-5 4.7.7 single level LUN, peripheral device / flat space addressing: 14 bits.
constexpr std::int64_t kMaxLun = 16383;
// RFC 7143 §6.1: a text value is at most 255 bytes unless its key says otherwise.
constexpr std::size_t kMaxAliasBytes = 255;

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

std::string position(const toml::source_position& where) {
  return std::to_string(where.line) + ":" + std::to_string(where.column);
}

// State shared by the whole document: its name and what must be unique across targets.
struct Context {
  std::string source;
  std::map<std::string, std::string> target_names;  // iscsi_name_key -> "L:C"
  std::map<std::string, std::string> backings;      // "file:..."/"nvme:..." -> user

  ConfigError at(const toml::source_region& where, std::string_view what) const {
    return {source + ":" + position(where.begin) + ": " + std::string(what)};
  }
  ConfigError at_node(const toml::node& node, std::string_view what) const {
    return at(node.source(), what);
  }
};

Check check_keys(const Context& context, const toml::table& table, Keys allowed,
                 std::string_view table_name) {
  for (auto&& [key, value] : table) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
    std::string expected;
    for (std::string_view name : allowed) {
      expected += (expected.empty() ? "" : ", ") + std::string(name);
    }
    return context.at(key.source(), "unknown key \"" + std::string(key.str()) + "\" in " +
                                        std::string(table_name) + " (expected " + expected + ")");
  }
  return {};
}

ConfigError wrong_type(const Context& context, const toml::node& node, std::string_view name,
                       std::string_view expected) {
  return context.at_node(node, std::string(name) + " must be " + std::string(expected) + ", not " +
                                   std::string(type_name(node.type())));
}

base::Result<std::string, ConfigError> read_string(const Context& context, const toml::node& node,
                                                   std::string_view name) {
  const auto* value = node.as_string();
  if (value == nullptr) return wrong_type(context, node, name, "a string");
  return value->get();
}

base::Result<std::int64_t, ConfigError> read_integer(const Context& context, const toml::node& node,
                                                     std::string_view name, std::int64_t min,
                                                     std::int64_t max) {
  const auto* value = node.as_integer();
  if (value == nullptr) return wrong_type(context, node, name, "an integer");
  if (value->get() < min || value->get() > max) {
    return context.at_node(node, std::string(name) + " = " + std::to_string(value->get()) +
                                     " is out of range " + std::to_string(min) + ".." +
                                     std::to_string(max));
  }
  return value->get();
}

// A table that must be an array of tables ([[name]]); nullptr-free elements guaranteed.
base::Result<const toml::array*, ConfigError> read_table_array(const Context& context,
                                                               const toml::node& node,
                                                               std::string_view name) {
  const auto* array = node.as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    return wrong_type(context, node, name, "an array of tables ([[" + std::string(name) + "]])");
  }
  return array;
}

Check read_portals(const Context& context, const toml::node& node, ServeConfig& config) {
  const auto* array = node.as_array();
  if (array == nullptr) return wrong_type(context, node, "server.portals", "an array of strings");
  if (array->empty()) return context.at_node(node, "server.portals is empty: xgate needs a portal");
  config.portals.clear();
  for (const toml::node& element : *array) {
    auto text = read_string(context, element, "each of server.portals");
    if (!text) return std::move(text).error();
    std::string why;
    auto endpoint = parse_endpoint(*text, why);
    if (!endpoint) return context.at_node(element, "portal \"" + *text + "\": " + why);
    if (std::find(config.portals.begin(), config.portals.end(), *endpoint) !=
        config.portals.end()) {
      return context.at_node(element, "portal \"" + *text + "\" is listed twice");
    }
    config.portals.push_back(*endpoint);
  }
  return {};
}

Check read_server(const Context& context, const toml::node& node, ServeConfig& config) {
  const auto* table = node.as_table();
  if (table == nullptr) return wrong_type(context, node, "server", "a table ([server])");
  XG_TRY(check_keys(context, *table, {"portals", "threads", "data_dir", "log_level"}, "[server]"));
  if (const auto* portals = table->get("portals")) XG_TRY(read_portals(context, *portals, config));
  if (const auto* threads = table->get("threads")) {
    auto value = read_integer(context, *threads, "server.threads", 1, 256);
    if (!value) return std::move(value).error();
    config.threads = static_cast<unsigned>(*value);
  }
  if (const auto* data_dir = table->get("data_dir")) {
    auto value = read_string(context, *data_dir, "server.data_dir");
    if (!value) return std::move(value).error();
    if (value->empty()) return context.at_node(*data_dir, "server.data_dir is empty");
    config.data_dir = *value;
  }
  if (const auto* log_level = table->get("log_level")) {
    auto value = read_string(context, *log_level, "server.log_level");
    if (!value) return std::move(value).error();
    auto level = parse_log_level(*value);
    if (!level) {
      return context.at_node(*log_level, "server.log_level \"" + *value +
                                             "\" is not one of trace, debug, info, warn, "
                                             "error, critical, off");
    }
    config.log_level = *level;
  }
  return {};
}

// size = 1073741824 or size = "1GiB".
base::Result<std::uint64_t, ConfigError> read_size(const Context& context, const toml::node& node) {
  if (const auto* bytes = node.as_integer()) {
    if (bytes->get() <= 0) return context.at_node(node, "emulated.size must be positive");
    return static_cast<std::uint64_t>(bytes->get());
  }
  auto text = read_string(context, node, "emulated.size");
  if (!text) return wrong_type(context, node, "emulated.size", "a string like \"1GiB\" or bytes");
  std::string why;
  auto size = parse_size(*text, why);
  if (!size) return context.at_node(node, why);
  if (*size == 0) return context.at_node(node, "emulated.size must be positive");
  return *size;
}

// Reads an optional integer key of `table` into `out` when present.
template <class T>
Check read_optional(const Context& context, const toml::table& table, std::string_view key,
                    std::int64_t min, std::int64_t max, T& out) {
  const auto* node = table.get(key);
  if (node == nullptr) return {};
  auto value = read_integer(context, *node, "emulated." + std::string(key), min, max);
  if (!value) return std::move(value).error();
  out = static_cast<T>(*value);
  return {};
}

base::Result<EmulatedBacking, ConfigError> read_emulated(const Context& context,
                                                         const toml::node& node) {
  const auto* table = node.as_table();
  if (table == nullptr) {
    return wrong_type(context, node, "emulated", "a table: emulated = { file = ..., size = ... }");
  }
  XG_TRY(check_keys(context, *table, {"file", "size", "block_size", "mssrl", "mcl", "msrc"},
                    "emulated"));
  EmulatedBacking backing;
  const auto* file = table->get("file");
  const auto* size = table->get("size");
  if (file == nullptr || size == nullptr) {
    return context.at_node(node, std::string("emulated needs ") +
                                     (file == nullptr ? "file = \"nsN.img\"" : "size = \"1GiB\""));
  }
  auto path = read_string(context, *file, "emulated.file");
  if (!path) return std::move(path).error();
  if (path->empty()) return context.at_node(*file, "emulated.file is empty");
  backing.file = *path;
  auto bytes = read_size(context, *size);
  if (!bytes) return std::move(bytes).error();
  backing.size_bytes = *bytes;
  if (const auto* block_size = table->get("block_size")) {
    auto value = read_integer(context, *block_size, "emulated.block_size", 512, 4096);
    if (!value) return std::move(value).error();
    if (*value != 512 && *value != 4096) {
      return context.at_node(*block_size, "emulated.block_size must be 512 or 4096");
    }
    backing.block_size = static_cast<std::uint32_t>(*value);
  }
  if (backing.size_bytes % backing.block_size != 0) {
    return context.at_node(*size, "emulated.size " + std::to_string(backing.size_bytes) +
                                      " is not a multiple of the block size " +
                                      std::to_string(backing.block_size));
  }
  XG_TRY(read_optional(context, *table, "mssrl", 1, UINT16_MAX, backing.mssrl));
  XG_TRY(read_optional(context, *table, "mcl", 1, UINT32_MAX, backing.mcl));
  XG_TRY(read_optional(context, *table, "msrc", 0, UINT8_MAX, backing.msrc));
  if (backing.mcl < backing.mssrl) {
    // A single source range of MSSRL blocks must fit in one Copy of at most MCL blocks.
    return context.at_node(node, "emulated.mcl (" + std::to_string(backing.mcl) +
                                     ") is smaller than emulated.mssrl (" +
                                     std::to_string(backing.mssrl) + ")");
  }
  return backing;
}

base::Result<PassthroughBacking, ConfigError> read_passthrough(const Context& context,
                                                               const toml::node& node) {
  auto path = read_string(context, node, "nvme");
  if (!path) return std::move(path).error();
  if (!path->starts_with('/')) {
    return context.at_node(node, "nvme = \"" + *path +
                                     "\" must be an absolute path, e.g. "
                                     "\"/dev/ng0n1\"");
  }
  if (path->starts_with("/dev/nvme")) {
    // Passthrough needs the generic character node: Linux serves NVMe passthrough over
    // io_uring only there (drivers/nvme/host/ioctl.c, nvme_ns_chr_uring_cmd).
    return context.at_node(node, "nvme = \"" + *path +
                                     "\" is a block device; passthrough "
                                     "needs the generic node /dev/ngXnY");
  }
  return PassthroughBacking{*path};
}

// Records the backing of LUN `lun` of target `target`; two LUNs on one file or namespace
// would corrupt each other's data without either initiator knowing.
Check claim_backing(Context& context, const toml::node& node, const LunConfig& lun,
                    std::string_view target) {
  std::string key;
  if (const auto* emulated = std::get_if<EmulatedBacking>(&lun.device)) {
    key = "file \"" + std::filesystem::path(emulated->file).lexically_normal().string() + "\"";
  } else {
    key = "nvme \"" + std::get<PassthroughBacking>(lun.device).node + "\"";
  }
  const std::string user = std::string(target) + " LUN " + std::to_string(lun.lun) + " at " +
                           position(node.source().begin);
  const auto [it, inserted] = context.backings.emplace(key, user);
  if (!inserted) return context.at_node(node, key + " is already used by " + it->second);
  return {};
}

base::Result<LunConfig, ConfigError> read_lun(Context& context, const toml::table& table,
                                              std::string_view target) {
  XG_TRY(check_keys(context, table, {"lun", "emulated", "nvme"}, "[[target.lun]]"));
  LunConfig lun;
  const auto* number = table.get("lun");
  if (number == nullptr) return context.at_node(table, "[[target.lun]] needs lun = <0..16383>");
  auto value = read_integer(context, *number, "lun", 0, kMaxLun);
  if (!value) return std::move(value).error();
  lun.lun = static_cast<std::uint16_t>(*value);
  const auto* emulated = table.get("emulated");
  const auto* nvme = table.get("nvme");
  if ((emulated == nullptr) == (nvme == nullptr)) {
    return context.at_node(table, "LUN " + std::to_string(lun.lun) + " needs exactly one " +
                                      "device: emulated = { ... } or nvme = \"/dev/ngXnY\"");
  }
  if (emulated != nullptr) {
    auto backing = read_emulated(context, *emulated);
    if (!backing) return std::move(backing).error();
    lun.device = *backing;
  } else {
    auto backing = read_passthrough(context, *nvme);
    if (!backing) return std::move(backing).error();
    lun.device = *backing;
  }
  XG_TRY(claim_backing(context, emulated != nullptr ? *emulated : *nvme, lun, target));
  return lun;
}

Check read_target_name(Context& context, const toml::table& table, TargetConfig& target) {
  const auto* name = table.get("name");
  if (name == nullptr) {
    return context.at_node(table, "[[target]] needs name = \"iqn.YYYY-MM.reversed.domain:id\"");
  }
  auto text = read_string(context, *name, "target.name");
  if (!text) return std::move(text).error();
  if (auto why = iscsi_name_error(*text)) {
    return context.at_node(*name, "target name \"" + *text + "\": " + *why);
  }
  const auto [it, inserted] =
      context.target_names.emplace(iscsi_name_key(*text), position(name->source().begin));
  if (!inserted) {
    return context.at_node(*name, "target name \"" + *text + "\" is already used at " + it->second);
  }
  target.name = *text;
  return {};
}

Check read_target(Context& context, const toml::table& table, ServeConfig& config) {
  XG_TRY(check_keys(context, table, {"name", "alias", "lun"}, "[[target]]"));
  TargetConfig target;
  XG_TRY(read_target_name(context, table, target));
  if (const auto* alias = table.get("alias")) {
    auto text = read_string(context, *alias, "target.alias");
    if (!text) return std::move(text).error();
    if (text->size() > kMaxAliasBytes) {
      return context.at_node(*alias, "target.alias is longer than 255 bytes (RFC 7143 §6.1)");
    }
    target.alias = *text;
  }
  const auto* luns = table.get("lun");
  if (luns == nullptr) {
    return context.at_node(table, "target \"" + target.name + "\" has no [[target.lun]]");
  }
  auto array = read_table_array(context, *luns, "target.lun");
  if (!array) return std::move(array).error();
  std::map<std::uint16_t, std::string> seen;  // LUN -> "L:C"
  for (const toml::node& element : **array) {
    auto lun = read_lun(context, *element.as_table(), "target \"" + target.name + "\"");
    if (!lun) return std::move(lun).error();
    const auto [it, inserted] = seen.emplace(lun->lun, position(element.source().begin));
    if (!inserted) {
      return context.at_node(*element.as_table()->get("lun"),
                             "LUN " + std::to_string(lun->lun) +
                                 " is already defined in this target at " + it->second);
    }
    target.luns.push_back(std::move(*lun));
  }
  config.targets.push_back(std::move(target));
  return {};
}

ConfigResult read_document(Context& context, const toml::table& root) {
  ServeConfig config;
  XG_TRY(check_keys(context, root, {"server", "target"}, "the top level"));
  if (const auto* server = root.get("server")) XG_TRY(read_server(context, *server, config));
  const auto* targets = root.get("target");
  if (targets == nullptr) {
    return ConfigError{context.source + ":1:1: no [[target]]: xgate serves at least one"};
  }
  auto array = read_table_array(context, *targets, "target");
  if (!array) return std::move(array).error();
  for (const toml::node& element : **array) {
    XG_TRY(read_target(context, *element.as_table(), config));
  }
  return config;
}

}  // namespace

ConfigResult parse_config(std::string_view toml_text, std::string_view source_name) {
  Context context;
  context.source = std::string(source_name);
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& error) {
    return context.at(error.source(), error.description());
  }
  return read_document(context, root);
}

ConfigResult load_config_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigError{path.string() + ": cannot be read"};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return ConfigError{path.string() + ": read error"};
  auto config = parse_config(text.str(), path.string());
  if (config && !config->data_dir.empty() &&
      std::filesystem::path(config->data_dir).is_relative()) {
    config->data_dir = (path.parent_path() / config->data_dir).lexically_normal().string();
    if (config->data_dir.empty()) config->data_dir = ".";
  }
  return config;
}

std::filesystem::path backing_file_path(const ServeConfig& config, const EmulatedBacking& backing) {
  const std::filesystem::path file(backing.file);
  if (file.is_absolute()) return file;
  return std::filesystem::path(config.data_dir) / file;
}

}  // namespace xg::config
