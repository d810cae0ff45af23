// Turning what a user pastes into bytes for `xgate decode`.
//
// Two text forms are accepted:
// - plain (annotated) hex, as base::parse_hex reads it: whitespace, ':' and '-' separators,
//   "//" and "#" comments;
// - an offset dump as sg3_utils prints it (`sg_vpd -H`, `sg_inq -H`, `sg_raw -v`'s data):
//   each line is an offset in hex, at least two spaces, up to 16 bytes as 2-digit hex (one
//   space apart, two between the 8th and 9th), and optionally an ASCII column that starts
//   after a gap of three or more spaces. Lines that are not dump lines (titles such as
//   "VPD INQUIRY: Third party copy page") are skipped.
//
// InputFormat::kAuto treats the text as an offset dump only when it has at least one dump
// line, the first dump line's offset is 0 and every dump line's offset equals the number of
// bytes read before it; otherwise as plain hex. That rule keeps annotated vectors (one spec
// field per line, e.g. "00 04 00 1C  // Parameter Data") on the plain path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xg::cli {

enum class InputFormat { kAuto, kHex, kOffsetDump };

struct ParsedInput {
  std::vector<std::uint8_t> bytes;
  bool was_offset_dump = false;
};

// nullopt with `error` set when the text is not hex (or, for kOffsetDump, not a
// consistent dump: no dump line, or an offset that disagrees with the bytes before it).
std::optional<ParsedInput> parse_input(std::string_view text, InputFormat format,
                                       std::string& error);

// The text a subcommand reads: the hex arguments joined, else the file ("" or "-" =
// stdin). nullopt with `error` set when the file cannot be opened.
std::optional<std::string> read_input_text(const std::vector<std::string>& hex,
                                           const std::string& file, std::string& error);

}  // namespace xg::cli
