// Hex helpers for tests, tools and logs.
//
// parse_hex accepts annotated vectors: whitespace, ':' and '-' separators, and comments
// from "//" or "#" to the end of the line are ignored, so a test vector can name one spec
// field per line.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xg::base {

// nullopt on a non-hex character or an odd number of digits.
std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text);

// "01 00 20 ..." (space separated, upper case).
std::string to_hex(std::span<const std::uint8_t> bytes);

// Offset-prefixed dump, 16 bytes a line: "0010: 02 00 00 18 ...".
std::string hex_dump(std::span<const std::uint8_t> bytes);

}  // namespace xg::base
