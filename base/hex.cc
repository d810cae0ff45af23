#include "base/hex.h"

#include <cstdio>

namespace xg::base {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  int high = -1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool comment = c == '#' || (c == '/' && i + 1 < text.size() && text[i + 1] == '/');
    if (comment) {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':' || c == '-' || c == ',') {
      continue;
    }
    const int d = hex_digit(c);
    if (d < 0) return std::nullopt;
    if (high < 0) {
      high = d;
    } else {
      out.push_back(static_cast<std::uint8_t>((high << 4) | d));
      high = -1;
    }
  }
  if (high >= 0) return std::nullopt;
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 3);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0) out.push_back(' ');
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xF]);
  }
  return out;
}

std::string hex_dump(std::span<const std::uint8_t> bytes) {
  std::string out;
  for (std::size_t line = 0; line < bytes.size(); line += 16) {
    char prefix[24];
    std::snprintf(prefix, sizeof prefix, "%04zX: ", line);
    out += prefix;
    const std::size_t n = bytes.size() - line < 16 ? bytes.size() - line : 16;
    out += to_hex(bytes.subspan(line, n));
    out.push_back('\n');
  }
  return out;
}

}  // namespace xg::base
