// `xgate serve` configuration (gateway/config/config.h): good files into plain structs, and
// every error with its exact message and position, because a typo that is silently
// accepted serves the wrong storage.
#include "gateway/config/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gateway/config/iscsi_name.h"
#include "gateway/config/overrides.h"
#include "tests/support/catch.h"

using namespace xg::config;

namespace {

// A minimal valid document; tests append to it or replace parts of it.
constexpr const char* kOneTarget =
    "[[target]]\n"
    "name = \"iqn.2026-12.org.example:disk\"\n"
    "[[target.lun]]\n"
    "lun = 0\n"
    "emulated = { file = \"a.img\", size = \"1MiB\" }\n";

std::string error_of(const std::string& text) {
  auto result = parse_config(text, "t.toml");
  if (result) return "(parsed without error)";
  return result.error().message;
}

}  // namespace

TEST_CASE("config: a minimal file gets the documented defaults", "[gateway][config]") {
  auto config = parse_config(kOneTarget, "t.toml");
  REQUIRE(config);
  CHECK(config->portals == std::vector<Endpoint>{{"127.0.0.1", 3260}});
  CHECK(config->threads == 2);
  CHECK(config->data_dir.empty());
  CHECK(config->log_level == LogLevel::kInfo);
  REQUIRE(config->targets.size() == 1);
  const TargetConfig& target = config->targets[0];
  CHECK(target.name == "iqn.2026-12.org.example:disk");
  CHECK(target.alias.empty());
  REQUIRE(target.luns.size() == 1);
  CHECK(target.luns[0].lun == 0);
  const auto& backing = std::get<EmulatedBacking>(target.luns[0].device);
  CHECK(backing == EmulatedBacking{"a.img", 1048576, 512, 65535, 8388480, 127});
}

TEST_CASE("config: every key of a full file is read", "[gateway][config]") {
  auto config = parse_config(
      "[server]\n"
      "portals = [\"0.0.0.0:3261\", \"[::1]:3262\"]\n"
      "threads = 8\n"
      "data_dir = \"/var/lib/xgate\"\n"
      "log_level = \"debug\"\n"
      "[[target]]\n"
      "name = \"iqn.2026-12.org.example:one\"\n"
      "alias = \"first\"\n"
      "[[target.lun]]\n"
      "lun = 16383\n"
      "emulated = { file = \"x.img\", size = 8192, block_size = 4096, mssrl = 1, mcl = 1, "
      "msrc = 0 }\n"
      "[[target.lun]]\n"
      "lun = 3\n"
      "nvme = \"/dev/ng0n1\"\n"
      "[[target]]\n"
      "name = \"eui.02004567A425678D\"\n"
      "[[target.lun]]\n"
      "lun = 0\n"
      "[target.lun.emulated]\n"
      "file = \"/abs/y.img\"\n"
      "size = \"2GiB\"\n",
      "t.toml");
  REQUIRE(config);
  CHECK(config->portals == std::vector<Endpoint>{{"0.0.0.0", 3261}, {"::1", 3262}});
  CHECK(config->threads == 8);
  CHECK(config->data_dir == "/var/lib/xgate");
  CHECK(config->log_level == LogLevel::kDebug);
  REQUIRE(config->targets.size() == 2);
  CHECK(config->targets[0].alias == "first");
  REQUIRE(config->targets[0].luns.size() == 2);
  CHECK(config->targets[0].luns[0] ==
        LunConfig{16383, EmulatedBacking{"x.img", 8192, 4096, 1, 1, 0}});
  CHECK(config->targets[0].luns[1] == LunConfig{3, PassthroughBacking{"/dev/ng0n1"}});
  CHECK(config->targets[1].name == "eui.02004567A425678D");
  CHECK(config->targets[1].luns[0] ==
        LunConfig{0,
                  EmulatedBacking{"/abs/y.img", std::uint64_t{2} << 30, 512, 65535, 8388480, 127}});
  CHECK(backing_file_path(*config, std::get<EmulatedBacking>(config->targets[0].luns[0].device)) ==
        "/var/lib/xgate/x.img");
  CHECK(backing_file_path(*config, std::get<EmulatedBacking>(config->targets[1].luns[0].device)) ==
        "/abs/y.img");
}

TEST_CASE("config: the embedded default is one target with two 1 GiB emulated LUNs",
          "[gateway][config]") {
  const ServeConfig config = default_config();
  CHECK(config.portals == std::vector<Endpoint>{{"127.0.0.1", 3260}});
  CHECK_FALSE(config.data_dir.empty());
  REQUIRE(config.targets.size() == 1);
  CHECK(config.targets[0].name == "iqn.2026-12.org.xgate:default");
  CHECK_FALSE(iscsi_name_error(config.targets[0].name).has_value());
  REQUIRE(config.targets[0].luns.size() == 2);
  CHECK(config.targets[0].luns[0] ==
        LunConfig{0, EmulatedBacking{"ns1.img", std::uint64_t{1} << 30, 512, 65535, 8388480, 127}});
  CHECK(config.targets[0].luns[1] ==
        LunConfig{1, EmulatedBacking{"ns2.img", std::uint64_t{1} << 30, 512, 65535, 8388480, 127}});
}

TEST_CASE("config: xgate serve --help names the embedded default's Copy limits from their one "
          "definition", "[gateway][config]") {
  CHECK(default_copy_limits_text() == "MSSRL 65535, MCL 8388480, MSRC 127");
  const ServeConfig config = default_config();
  for (const LunConfig& lun : config.targets.at(0).luns) {
    const auto& backing = std::get<EmulatedBacking>(lun.device);
    CHECK(default_copy_limits_text() == "MSSRL " + std::to_string(backing.mssrl) + ", MCL " +
                                            std::to_string(backing.mcl) + ", MSRC " +
                                            std::to_string(backing.msrc));
  }
  CHECK(EmulatedBacking{}.mssrl == xg::config::kDefaultEmulatedMssrl);
  CHECK(EmulatedBacking{}.mcl == xg::config::kDefaultEmulatedMcl);
  CHECK(EmulatedBacking{}.msrc == xg::config::kDefaultEmulatedMsrc);
}

TEST_CASE("config: examples/xgate.toml parses and describes the embedded default",
          "[gateway][config]") {
  const auto root = std::filesystem::path(XG_SOURCE_DIR);
  auto config = load_config_file(root / "examples" / "xgate.toml");
  REQUIRE(config);
  ServeConfig expected = default_config();
  expected.data_dir.clear();  // commented out in the example: the same default applies
  CHECK(*config == expected);
}

TEST_CASE("config: the default data directory follows XDG_STATE_HOME only when absolute",
          "[gateway][config]") {
  const char* saved = std::getenv("XDG_STATE_HOME");
  const std::string saved_value = saved != nullptr ? saved : "";
  ::setenv("XDG_STATE_HOME", "/srv/state", 1);
  CHECK(default_data_dir() == "/srv/state/xgate");
  ::setenv("XDG_STATE_HOME", "relative/state", 1);
  CHECK(default_data_dir() == "./xgate-data");
  ::unsetenv("XDG_STATE_HOME");
  CHECK(default_data_dir() == "./xgate-data");
  if (saved != nullptr) ::setenv("XDG_STATE_HOME", saved_value.c_str(), 1);
}

TEST_CASE("config: load_config_file resolves a relative data_dir beside the file",
          "[gateway][config]") {
  const auto dir = std::filesystem::temp_directory_path() / "xg_config_test";
  std::filesystem::create_directories(dir);
  const auto file = dir / "serve.toml";
  std::ofstream(file) << "[server]\ndata_dir = \"images\"\n" << kOneTarget;
  auto config = load_config_file(file);
  REQUIRE(config);
  CHECK(config->data_dir == (dir / "images").string());
  CHECK(load_config_file(dir / "missing.toml").error().message ==
        (dir / "missing.toml").string() + ": cannot be read");
  std::filesystem::remove_all(dir);
}

TEST_CASE("config: sizes and portals in every accepted spelling", "[gateway][config]") {
  std::string why;
  CHECK(parse_endpoint("127.0.0.1:0", why) == Endpoint{"127.0.0.1", 0});
  CHECK(parse_endpoint("[::]:3260", why) == Endpoint{"::", 3260});
  CHECK_FALSE(parse_endpoint("localhost:3260", why).has_value());
  CHECK(why ==
        "\"localhost\" is not an IPv4 address literal (IPv6 goes in brackets: "
        "[::1]:3260; host names are not resolved)");
  CHECK_FALSE(parse_endpoint("::1:3260", why).has_value());
  CHECK_FALSE(parse_endpoint("[::1]", why).has_value());
  CHECK_FALSE(parse_endpoint("127.0.0.1", why).has_value());
  CHECK(why == "expected ADDRESS:PORT, e.g. 127.0.0.1:3260 or [::1]:3260");
  CHECK_FALSE(parse_endpoint("127.0.0.1:65536", why).has_value());
  CHECK(why == "port \"65536\" is not a number 0..65535");
  CHECK(parse_log_level("warn") == LogLevel::kWarn);
  CHECK(log_level_name(LogLevel::kCritical) == "critical");
  CHECK_FALSE(parse_log_level("WARN").has_value());
}

TEST_CASE("config: iSCSI names in the three formats of RFC 7143 4.2.7", "[gateway][config]") {
  for (const char* good : {"iqn.2026-12.org.xgate:default", "iqn.1992-01.com.example",
                           "iqn.2001-04.com.example:storage:disk2.sys1.xyz", "eui.02004567A425678D",
                           "naa.52004567BA64678D", "naa.62004567BA64678D0123456789ABCDEF"}) {
    INFO(good);
    CHECK_FALSE(iscsi_name_error(good).has_value());
  }
  CHECK(iscsi_name_error("iqn.2026-13.org.x") == "month 13 in the iqn. date is not 01..12");
  CHECK(iscsi_name_error("iqn.26-12.org.x") ==
        "an iqn. name continues with the date YYYY-MM (RFC 7143 §4.2.7.4), e.g. "
        "iqn.2026-12.org.example:disk1");
  CHECK(iscsi_name_error("iqn.2026-12") ==
        "an iqn. name needs '.' and a reversed domain name after the date (RFC 7143 "
        "§4.2.7.4), e.g. iqn.2026-12.org.example");
  CHECK(iscsi_name_error("iqn.2026-12.org..x") ==
        "the reversed domain name of an iqn. name is empty or has an empty label");
  CHECK(iscsi_name_error("iqn.2026-12.org.X") ==
        "upper-case 'X': iSCSI names are compared in lower case (RFC 3722); write it in lower "
        "case");
  CHECK(iscsi_name_error("iqn.2026-12.org.x:a b") ==
        "character ' ' is not allowed (only a-z, 0-9, '-', '.', ':' - RFC 7143 §4.2.7.2)");
  CHECK(iscsi_name_error("eui.0200") ==
        "an eui. name is 'eui.' and 16 hexadecimal digits (RFC 7143 §4.2.7.5)");
  CHECK(iscsi_name_error("naa.52004567BA64678") ==
        "an naa. name is 'naa.' and 16 or 32 hexadecimal digits (RFC 7143 §4.2.7.6)");
  CHECK(iscsi_name_error("target1") ==
        "an iSCSI name starts with iqn., eui. or naa. (RFC 7143 §4.2.7)");
  CHECK(iscsi_name_error("") == "an iSCSI name cannot be empty");
  CHECK(iscsi_name_error("iqn.2026-12.org.x:" + std::string(206, 'a')) ==
        "an iSCSI name is at most 223 bytes (RFC 7143 §4.2.7.1), this one has 224");
  CHECK(iscsi_name_key("eui.02004567A425678D") == "eui.02004567a425678d");
}

TEST_CASE("config: TOML syntax errors carry the parser's position", "[gateway][config]") {
  CHECK(error_of("[server\n") ==
        "t.toml:1:8: Error while parsing table header: expected ']', saw '\\n'");
  CHECK(error_of(std::string(kOneTarget) + "[[target]]\nname = \"iqn.2026-12.org.example:b\"\n"
                                           "name = \"x\"\n") ==
        "t.toml:8:8: Error while parsing key-value pair: cannot redefine existing string "
        "'name'");
}

TEST_CASE("config: unknown keys are errors at the key, listing what is allowed",
          "[gateway][config]") {
  CHECK(error_of("[server]\nthread = 4\n" + std::string(kOneTarget)) ==
        "t.toml:2:1: unknown key \"thread\" in [server] (expected portals, threads, data_dir, "
        "log_level)");
  CHECK(error_of("[servr]\n" + std::string(kOneTarget)) ==
        "t.toml:1:2: unknown key \"servr\" in the top level (expected server, target)");
  CHECK(error_of(std::string(kOneTarget) + "alis = \"x\"\n") ==
        "t.toml:6:1: unknown key \"alis\" in [[target.lun]] (expected lun, emulated, nvme)");
  CHECK(error_of("[[target]]\nname = \"iqn.2026-12.org.example:disk\"\nalais = \"x\"\n") ==
        "t.toml:3:1: unknown key \"alais\" in [[target]] (expected name, alias, lun)");
  CHECK(error_of("[[target]]\nname = \"iqn.2026-12.org.example:disk\"\n[[target.lun]]\n"
                 "lun = 0\nemulated = { file = \"a.img\", size = \"1MiB\", blocksize = 4096 }\n") ==
        "t.toml:5:45: unknown key \"blocksize\" in emulated (expected file, size, block_size, "
        "mssrl, mcl, msrc)");
}

TEST_CASE("config: wrong types name the key and both types", "[gateway][config]") {
  CHECK(error_of("[server]\nthreads = \"4\"\n" + std::string(kOneTarget)) ==
        "t.toml:2:11: server.threads must be an integer, not a string");
  CHECK(error_of("[server]\nportals = \"127.0.0.1:3260\"\n" + std::string(kOneTarget)) ==
        "t.toml:2:11: server.portals must be an array of strings, not a string");
  CHECK(error_of("[server]\nportals = [3260]\n" + std::string(kOneTarget)) ==
        "t.toml:2:12: each of server.portals must be a string, not an integer");
  CHECK(error_of("server = 1\n" + std::string(kOneTarget)) ==
        "t.toml:1:10: server must be a table ([server]), not an integer");
  CHECK(error_of("[target]\nname = \"iqn.2026-12.org.example:disk\"\n") ==
        "t.toml:1:1: target must be an array of tables ([[target]]), not a table");
  CHECK(error_of("[[target]]\nname = 7\n") ==
        "t.toml:2:8: target.name must be a string, not an integer");
  CHECK(error_of("[[target]]\nname = \"iqn.2026-12.org.example:disk\"\nlun = 0\n") ==
        "t.toml:3:7: target.lun must be an array of tables ([[target.lun]]), not an integer");
  CHECK(error_of("[[target]]\nname = \"iqn.2026-12.org.example:disk\"\n[[target.lun]]\n"
                 "lun = 0\nemulated = \"a.img\"\n") ==
        "t.toml:5:12: emulated must be a table: emulated = { file = ..., size = ... }, not a "
        "string");
  CHECK(error_of("[[target]]\nname = \"iqn.2026-12.org.example:disk\"\n[[target.lun]]\n"
                 "lun = 0\nemulated = { file = \"a.img\", size = 1.5 }\n") ==
        "t.toml:5:37: emulated.size must be a string like \"1GiB\" or bytes, not a "
        "floating-point number");
  CHECK(error_of("[[target]]\nname = \"iqn.2026-12.org.example:disk\"\n[[target.lun]]\n"
                 "lun = \"0\"\nnvme = \"/dev/ng0n1\"\n") ==
        "t.toml:4:7: lun must be an integer, not a string");
}

namespace {

// One target whose single LUN has the given emulated table body.
std::string with_emulated(const std::string& body) {
  return "[[target]]\nname = \"iqn.2026-12.org.example:disk\"\n[[target.lun]]\nlun = 0\n"
         "emulated = { " +
         body + " }\n";
}

}  // namespace

TEST_CASE("config: values out of range", "[gateway][config]") {
  CHECK(error_of("[server]\nthreads = 0\n" + std::string(kOneTarget)) ==
        "t.toml:2:11: server.threads = 0 is out of range 1..256");
  CHECK(error_of("[server]\nlog_level = \"verbose\"\n" + std::string(kOneTarget)) ==
        "t.toml:2:13: server.log_level \"verbose\" is not one of trace, debug, info, warn, "
        "error, critical, off");
  CHECK(error_of("[server]\ndata_dir = \"\"\n" + std::string(kOneTarget)) ==
        "t.toml:2:12: server.data_dir is empty");
  CHECK(error_of("[[target]]\nname = \"iqn.2026-12.org.example:disk\"\n[[target.lun]]\n"
                 "lun = 16384\nnvme = \"/dev/ng0n1\"\n") ==
        "t.toml:4:7: lun = 16384 is out of range 0..16383");
  CHECK(error_of("[[target]]\nname = \"iqn.2026-12.org.example:disk\"\n[[target.lun]]\n"
                 "lun = -1\nnvme = \"/dev/ng0n1\"\n") ==
        "t.toml:4:7: lun = -1 is out of range 0..16383");
  CHECK(error_of(with_emulated("file = \"a.img\", size = \"1MiB\", block_size = 1024")) ==
        "t.toml:5:58: emulated.block_size must be 512 or 4096");
  CHECK(error_of(with_emulated("file = \"a.img\", size = \"1MiB\", block_size = 8192")) ==
        "t.toml:5:58: emulated.block_size = 8192 is out of range 512..4096");
  CHECK(error_of(with_emulated("file = \"a.img\", size = 1000")) ==
        "t.toml:5:37: emulated.size 1000 is not a multiple of the block size 512");
  CHECK(error_of(with_emulated("file = \"a.img\", size = \"3KiB\", block_size = 4096")) ==
        "t.toml:5:37: emulated.size 3072 is not a multiple of the block size 4096");
  CHECK(error_of(with_emulated("file = \"a.img\", size = 0")) ==
        "t.toml:5:37: emulated.size must be positive");
  CHECK(error_of(with_emulated("file = \"a.img\", size = \"0GiB\"")) ==
        "t.toml:5:37: emulated.size must be positive");
  CHECK(error_of(with_emulated("file = \"a.img\", size = \"1GB\"")) ==
        "t.toml:5:37: size \"1GB\" is not a number of bytes or a number with KiB, MiB, GiB or "
        "TiB (e.g. \"1GiB\")");
  CHECK(error_of(with_emulated("file = \"a.img\", size = \"99999999999TiB\"")) ==
        "t.toml:5:37: size \"99999999999TiB\" does not fit in 64 bits");
  CHECK(error_of(with_emulated("file = \"a.img\", size = \"1MiB\", mssrl = 0")) ==
        "t.toml:5:53: emulated.mssrl = 0 is out of range 1..65535");
  CHECK(error_of(with_emulated("file = \"a.img\", size = \"1MiB\", mcl = 4294967296")) ==
        "t.toml:5:51: emulated.mcl = 4294967296 is out of range 1..4294967295");
  CHECK(error_of(with_emulated("file = \"a.img\", size = \"1MiB\", msrc = 256")) ==
        "t.toml:5:52: emulated.msrc = 256 is out of range 0..255");
  CHECK(error_of(with_emulated("file = \"a.img\", size = \"1MiB\", mssrl = 256, mcl = 128")) ==
        "t.toml:5:12: emulated.mcl (128) is smaller than emulated.mssrl (256)");
  CHECK(error_of(with_emulated("file = \"\", size = \"1MiB\"")) ==
        "t.toml:5:21: emulated.file is empty");
}

TEST_CASE("config: required keys and exactly one device per LUN", "[gateway][config]") {
  CHECK(error_of("[server]\nthreads = 2\n") ==
        "t.toml:1:1: no [[target]]: xgate serves at least one");
  CHECK(error_of("[[target]]\nalias = \"x\"\n") ==
        "t.toml:1:1: [[target]] needs name = \"iqn.YYYY-MM.reversed.domain:id\"");
  CHECK(error_of("[[target]]\nname = \"iqn.2026-12.org.example:disk\"\n") ==
        "t.toml:1:1: target \"iqn.2026-12.org.example:disk\" has no [[target.lun]]");
  CHECK(error_of("[[target]]\nname = \"iqn.2026-12.org.example:disk\"\n[[target.lun]]\n"
                 "nvme = \"/dev/ng0n1\"\n") == "t.toml:3:1: [[target.lun]] needs lun = <0..16383>");
  CHECK(error_of("[[target]]\nname = \"iqn.2026-12.org.example:disk\"\n[[target.lun]]\n"
                 "lun = 2\n") ==
        "t.toml:3:1: LUN 2 needs exactly one device: emulated = { ... } or nvme = "
        "\"/dev/ngXnY\"");
  CHECK(error_of(std::string(kOneTarget) + "nvme = \"/dev/ng0n1\"\n") ==
        "t.toml:3:1: LUN 0 needs exactly one device: emulated = { ... } or nvme = "
        "\"/dev/ngXnY\"");
  CHECK(error_of(with_emulated("size = \"1MiB\"")) ==
        "t.toml:5:12: emulated needs file = \"nsN.img\"");
  CHECK(error_of(with_emulated("file = \"a.img\"")) ==
        "t.toml:5:12: emulated needs size = \"1GiB\"");
  CHECK(error_of("[[target]]\nname = \"iqn.2026-12.org.example:disk\"\n[[target.lun]]\n"
                 "lun = 0\nnvme = \"ng0n1\"\n") ==
        "t.toml:5:8: nvme = \"ng0n1\" must be an absolute path, e.g. \"/dev/ng0n1\"");
  CHECK(error_of("[[target]]\nname = \"iqn.2026-12.org.example:disk\"\n[[target.lun]]\n"
                 "lun = 0\nnvme = \"/dev/nvme0n1\"\n") ==
        "t.toml:5:8: nvme = \"/dev/nvme0n1\" is a block device; passthrough needs the generic "
        "node /dev/ngXnY");
}

TEST_CASE("config: duplicates - LUN, target name, backing file or namespace, portal",
          "[gateway][config]") {
  CHECK(error_of(std::string(kOneTarget) +
                 "[[target.lun]]\nlun = 0\nemulated = { file = \"b.img\", size = \"1MiB\" }\n") ==
        "t.toml:7:7: LUN 0 is already defined in this target at 3:1");
  // The same LUN number in another target is fine (LUNs are per target).
  CHECK(error_of(std::string(kOneTarget) +
                 "[[target]]\nname = \"iqn.2026-12.org.example:other\"\n[[target.lun]]\n"
                 "lun = 0\nemulated = { file = \"b.img\", size = \"1MiB\" }\n") ==
        "(parsed without error)");
  CHECK(
      error_of(std::string(kOneTarget) + "[[target]]\nname = \"iqn.2026-12.org.example:disk\"\n") ==
      "t.toml:7:8: target name \"iqn.2026-12.org.example:disk\" is already used at 2:8");
  CHECK(error_of("[[target]]\nname = \"eui.02004567a425678d\"\n[[target.lun]]\nlun = 0\n"
                 "nvme = \"/dev/ng0n1\"\n"
                 "[[target]]\nname = \"eui.02004567A425678D\"\n") ==
        "t.toml:7:8: target name \"eui.02004567A425678D\" is already used at 2:8");
  CHECK(error_of(std::string(kOneTarget) +
                 "[[target.lun]]\nlun = 1\nemulated = { file = \"./a.img\", size = \"1MiB\" }\n") ==
        "t.toml:8:12: file \"a.img\" is already used by target "
        "\"iqn.2026-12.org.example:disk\" LUN 0 at 5:12");
  CHECK(error_of("[[target]]\nname = \"iqn.2026-12.org.example:disk\"\n"
                 "[[target.lun]]\nlun = 0\nnvme = \"/dev/ng0n1\"\n"
                 "[[target]]\nname = \"iqn.2026-12.org.example:two\"\n"
                 "[[target.lun]]\nlun = 5\nnvme = \"/dev/ng0n1\"\n") ==
        "t.toml:10:8: nvme \"/dev/ng0n1\" is already used by target "
        "\"iqn.2026-12.org.example:disk\" LUN 0 at 5:8");
  CHECK(error_of("[server]\nportals = [\"127.0.0.1:3260\", \"127.0.0.1:3260\"]\n" +
                 std::string(kOneTarget)) ==
        "t.toml:2:30: portal \"127.0.0.1:3260\" is listed twice");
}

TEST_CASE("config: bad target names and portals are reported at the value", "[gateway][config]") {
  CHECK(error_of("[[target]]\nname = \"iqn.2026-12.org.Example:disk\"\n") ==
        "t.toml:2:8: target name \"iqn.2026-12.org.Example:disk\": upper-case 'E': iSCSI "
        "names are compared in lower case (RFC 3722); write it in lower case");
  CHECK(error_of("[[target]]\nname = \"disk1\"\n") ==
        "t.toml:2:8: target name \"disk1\": an iSCSI name starts with iqn., eui. or naa. "
        "(RFC 7143 §4.2.7)");
  CHECK(error_of("[server]\nportals = [\"127.0.0.1\"]\n" + std::string(kOneTarget)) ==
        "t.toml:2:12: portal \"127.0.0.1\": expected ADDRESS:PORT, e.g. 127.0.0.1:3260 or "
        "[::1]:3260");
  CHECK(error_of("[server]\nportals = [\"host:3260\"]\n" + std::string(kOneTarget)) ==
        "t.toml:2:12: portal \"host:3260\": \"host\" is not an IPv4 address literal (IPv6 "
        "goes in brackets: [::1]:3260; host names are not resolved)");
  CHECK(error_of("[server]\nportals = []\n" + std::string(kOneTarget)) ==
        "t.toml:2:11: server.portals is empty: xgate needs a portal");
  CHECK(error_of("[[target]]\nname = \"iqn.2026-12.org.example:disk\"\nalias = \"" +
                 std::string(256, 'a') + "\"\n") ==
        "t.toml:3:9: target.alias is longer than 255 bytes (RFC 7143 §6.1)");
}

TEST_CASE("config: command-line overrides replace portals, log level and data dir",
          "[gateway][config]") {
  ServeConfig config = default_config();
  config.data_dir.clear();
  REQUIRE(apply_overrides(config, {"", {"127.0.0.1:0", "[::1]:3261"}, "debug"}));
  CHECK(config.portals == std::vector<Endpoint>{{"127.0.0.1", 0}, {"::1", 3261}});
  CHECK(config.log_level == LogLevel::kDebug);
  CHECK(config.data_dir == default_data_dir());
  REQUIRE(apply_overrides(config, {"/tmp/xg", {}, ""}));
  CHECK(config.data_dir == "/tmp/xg");
  CHECK(config.portals.size() == 2);  // no --listen: the configured portals stay
  CHECK(apply_overrides(config, {"", {"host:1"}, ""}).error().message ==
        "--listen host:1: \"host\" is not an IPv4 address literal (IPv6 goes in brackets: "
        "[::1]:3260; host names are not resolved)");
  CHECK(apply_overrides(config, {"", {"127.0.0.1:1", "127.0.0.1:1"}, ""}).error().message ==
        "--listen 127.0.0.1:1: given twice");
  CHECK(apply_overrides(config, {"", {}, "loud"}).error().message ==
        "--log-level loud: not one of trace, debug, info, warn, error, critical, off");
}
