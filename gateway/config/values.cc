#include "gateway/config/values.h"

#include <arpa/inet.h>
#include <array>
#include <charconv>
#include <utility>

#include "gateway/config/config.h"

namespace xg::config {
namespace {

constexpr std::array<std::pair<LogLevel, std::string_view>, 7> kLogLevelNames = {{
    {LogLevel::kTrace, "trace"},
    {LogLevel::kDebug, "debug"},
    {LogLevel::kInfo, "info"},
    {LogLevel::kWarn, "warn"},
    {LogLevel::kError, "error"},
    {LogLevel::kCritical, "critical"},
    {LogLevel::kOff, "off"},
}};

// Whole-string unsigned decimal; nullopt on anything else or overflow.
template <class T>
std::optional<T> parse_decimal(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view text) {
  for (const auto& [level, name] : kLogLevelNames) {
    if (name == text) return level;
  }
  return std::nullopt;
}

std::string_view log_level_name(LogLevel level) {
  for (const auto& [known, name] : kLogLevelNames) {
    if (known == level) return name;
  }
  return "info";
}

std::optional<Endpoint> parse_endpoint(std::string_view text, std::string& why) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    why = "expected ADDRESS:PORT, e.g. 127.0.0.1:3260 or [::1]:3260";
    return std::nullopt;
  }
  std::string_view address = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  const bool bracketed = address.starts_with('[') && address.ends_with(']');
  if (bracketed) address = address.substr(1, address.size() - 2);
  const auto port = parse_decimal<std::uint16_t>(port_text);
  if (!port) {
    why = "port \"" + std::string(port_text) + "\" is not a number 0..65535";
    return std::nullopt;
  }
  const std::string literal(address);
  std::array<unsigned char, 16> scratch{};
  const int family = bracketed ? AF_INET6 : AF_INET;
  if (inet_pton(family, literal.c_str(), scratch.data()) != 1) {
    why = "\"" + literal + "\" is not an " +
          (bracketed ? "IPv6 address literal"
                     : "IPv4 address literal (IPv6 goes in brackets: [::1]:3260; host names "
                       "are not resolved)");
    return std::nullopt;
  }
  return Endpoint{literal, *port};
}

std::optional<std::uint64_t> parse_size(std::string_view text, std::string& why) {
  constexpr std::array<std::pair<std::string_view, unsigned>, 5> kUnits = {
      {{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}};
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string_view unit = text.substr(digits);
  unsigned shift = 0;
  bool known_unit = unit.empty();
  for (const auto& [name, bits] : kUnits) {
    if (unit == name) {
      shift = bits;
      known_unit = true;
    }
  }
  const auto count = parse_decimal<std::uint64_t>(text.substr(0, digits));
  if (!count || !known_unit) {
    why = "size \"" + std::string(text) +
          "\" is not a number of bytes or a number with KiB, MiB, GiB or TiB (e.g. \"1GiB\")";
    return std::nullopt;
  }
  if (shift > 0 && *count > (UINT64_MAX >> shift)) {
    why = "size \"" + std::string(text) + "\" does not fit in 64 bits";
    return std::nullopt;
  }
  return *count << shift;
}

}  // namespace xg::config
