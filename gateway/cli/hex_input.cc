#include "gateway/cli/hex_input.h"

#include <cctype>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/hex.h"
#include "gateway/cli/decoders.h"

namespace xg::cli {
namespace {

struct DumpLine {
  std::size_t offset = 0;
  std::vector<std::uint8_t> bytes;
};

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

// One "2-digit byte" token at `pos`: two hex digits followed by a blank or the line's end.
bool byte_token_at(std::string_view line, std::size_t pos) {
  return pos + 1 < line.size() && is_hex(line[pos]) && is_hex(line[pos + 1]) &&
         (pos + 2 == line.size() || is_blank(line[pos + 2]));
}

std::size_t skip_blanks(std::string_view line, std::size_t pos) {
  while (pos < line.size() && is_blank(line[pos])) ++pos;
  return pos;
}

// The sg3_utils dStrHex line layout (see hex_input.h); nullopt for any other line.
std::optional<DumpLine> parse_dump_line(std::string_view line) {
  std::size_t pos = skip_blanks(line, 0);
  const std::size_t offset_start = pos;
  DumpLine out;
  while (pos < line.size() && is_hex(line[pos]) && pos - offset_start < 9) {
    out.offset = out.offset * 16 + static_cast<std::size_t>(hex_value(line[pos]));
    ++pos;
  }
  const std::size_t digits = pos - offset_start;
  if (digits == 0 || digits > 8) return std::nullopt;
  std::size_t gap_end = skip_blanks(line, pos);
  if (gap_end - pos < 2 || !byte_token_at(line, gap_end)) return std::nullopt;
  pos = gap_end;
  while (out.bytes.size() < 16 && byte_token_at(line, pos)) {
    out.bytes.push_back(static_cast<std::uint8_t>(hex_value(line[pos]) * 16 +
                                                  hex_value(line[pos + 1])));
    gap_end = skip_blanks(line, pos + 2);
    if (gap_end == line.size() || gap_end - (pos + 2) >= 3) return out;  // end or ASCII
    if (out.bytes.size() < 16 && !byte_token_at(line, gap_end)) return std::nullopt;
    pos = gap_end;
  }
  return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Reads the text as a dump. `strict`: lines that are not dump lines must not hold hex data
// (auto-detection); otherwise they are skipped as titles.
std::optional<std::vector<std::uint8_t>> read_dump(std::string_view text, bool strict,
                                                   std::string& error) {
  std::vector<std::uint8_t> bytes;
  bool any = false;
  for (std::string_view line : split_lines(text)) {
    auto dump = parse_dump_line(line);
    if (!dump) {
      auto plain = base::parse_hex(line);
      if (strict && plain && !plain->empty()) {
        error = "a line holds hex but is not an offset-dump line";
        return std::nullopt;
      }
      continue;
    }
    if (dump->offset != bytes.size()) {
      error = "the offset column says " + hex_code(dump->offset) + " but " +
              hex_code(bytes.size()) + " bytes come before that line";
      return std::nullopt;
    }
    any = true;
    bytes.insert(bytes.end(), dump->bytes.begin(), dump->bytes.end());
  }
  if (!any) {
    error = "no offset-dump line (an offset, two or more spaces, then 2-digit hex bytes)";
    return std::nullopt;
  }
  return bytes;
}

constexpr std::string_view kNotHex =
    "the input is not hex (an odd number of digits, or a character that is neither a hex "
    "digit, a separator nor in a // comment)";

}  // namespace

std::optional<ParsedInput> parse_input(std::string_view text, InputFormat format,
                                       std::string& error) {
  if (format != InputFormat::kHex) {
    std::string dump_error;
    auto dump = read_dump(text, format == InputFormat::kAuto, dump_error);
    if (dump) return ParsedInput{std::move(*dump), true};
    if (format == InputFormat::kOffsetDump) {
      error = "the input is not an offset dump: " + dump_error;
      return std::nullopt;
    }
  }
  auto plain = base::parse_hex(text);
  if (!plain) {
    error = std::string(kNotHex);
    return std::nullopt;
  }
  return ParsedInput{std::move(*plain), false};
}

std::optional<std::string> read_input_text(const std::vector<std::string>& hex,
                                           const std::string& file, std::string& error) {
  if (!hex.empty()) {
    std::string joined;
    for (const auto& h : hex) joined += h + " ";
    return joined;
  }
  std::ostringstream text;
  if (file.empty() || file == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(file);
    if (!in) {
      error = "cannot open " + file;
      return std::nullopt;
    }
    text << in.rdbuf();
  }
  return text.str();
}

}  // namespace xg::cli
