// RFC 7143 §6.1 text format with Spirit X3. Grammars use only `>>` (never the throwing
// expectation operator `>`); every parse result is checked and turned into a TextError.
#include "gateway/iscsi/text_keys.h"

#include <algorithm>
#include <array>
#include <unordered_set>

#include <boost/spirit/home/x3.hpp>

namespace xg::iscsi {
namespace {

namespace x3 = boost::spirit::x3;
using ByteIt = const std::uint8_t*;

// RFC 7143 §6.1 key-name: letters, digits, '.', '-', '+', '@', '_'. §6.1 also asks for a
// capital first letter, but RFC 7143 §13.24 itself defines iSCSIProtocolLevel, so any
// letter may start a key (digits and the punctuation may not). '-' is last in the set
// so X3 reads it literally, not as a range.
const auto key_char = x3::char_("A-Za-z0-9.+@_-");
// "X#" + IANA-registered name (RFC 7143 §13.5.2) is tried first; it backtracks to the
// ordinary form for "X-vendor..." keys.
const auto key_name = (x3::lit('X') >> x3::lit('#') >> +key_char) |
                      (x3::char_("A-Za-z") >> *key_char);
const auto value_bytes = *~x3::char_('\0');

bool is_large_binary_key(std::string_view key) {
  // RFC 7143 §12.1.3 (CHAP_C, CHAP_R), §12.1.2 (SRP_*), §12.1.1 (KRB_AP_REQ/REP).
  static constexpr std::array<std::string_view, 4> kExact = {"CHAP_C", "CHAP_R",
                                                             "KRB_AP_REQ", "KRB_AP_REP"};
  return std::find(kExact.begin(), kExact.end(), key) != kExact.end() ||
         key.starts_with("SRP_");
}

// One "key=value\0" at `it`; advances `it` past the NUL.
TextResult<TextKey> parse_pair(ByteIt& it, ByteIt begin, ByteIt end) {
  const ByteIt key_begin = it;
  const auto at = [begin](ByteIt p) { return static_cast<std::size_t>(p - begin); };
  if (!x3::parse(it, end, key_name)) {
    if (it != end && (*it == '=' || *it == 0))
      return TextError{TextErrorCode::kBadKeyName, at(key_begin), "empty key name"};
    return TextError{TextErrorCode::kBadKeyName, at(key_begin),
                     "key name must start with a letter (RFC 7143 6.1)"};
  }
  const std::size_t key_length = static_cast<std::size_t>(it - key_begin);
  if (it == end || *it == 0)
    return TextError{TextErrorCode::kMissingEquals, at(it), "key without '='"};
  if (*it != '=')
    return TextError{TextErrorCode::kBadKeyName, at(it),
                     "byte outside the key-name character set (RFC 7143 6.1)"};
  if (key_length > kMaxKeyNameLength)
    return TextError{TextErrorCode::kKeyNameTooLong, at(key_begin),
                     "key name longer than 63 bytes (RFC 7143 6.1)"};
  TextKey key;
  key.name.assign(key_begin, it);
  ++it;  // '='
  const ByteIt value_begin = it;
  (void)x3::parse(it, end, value_bytes);  // zero or more bytes: cannot fail
  if (it == end)
    return TextError{TextErrorCode::kMissingNul, at(end),
                     "key=value pair not terminated by NUL (RFC 7143 6.1)"};
  if (static_cast<std::size_t>(it - value_begin) > max_value_length(key.name))
    return TextError{TextErrorCode::kValueTooLong, at(value_begin),
                     "value longer than the key allows (RFC 7143 6.1)"};
  key.value.assign(value_begin, it);
  ++it;  // NUL
  return key;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::optional<std::vector<std::uint8_t>> decode_hex_digits(std::string_view digits) {
  if (digits.empty()) return std::nullopt;
  std::vector<std::uint8_t> out;
  out.reserve(digits.size() / 2 + 1);
  // An odd count means an implied leading zero nibble.
  std::size_t i = 0;
  if (digits.size() % 2 != 0) {
    const int lo = hex_digit(digits[0]);
    if (lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(lo));
    i = 1;
  }
  for (; i < digits.size(); i += 2) {
    const int hi = hex_digit(digits[i]);
    const int lo = hex_digit(digits[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text) {
  // Padding is optional (several CHAP implementations omit it); once '=' starts, only
  // '=' may follow, and at most two.
  const std::size_t pad_at = text.find('=');
  const std::string_view body = text.substr(0, pad_at);
  if (pad_at != std::string_view::npos) {
    const std::string_view pad = text.substr(pad_at);
    if (pad.size() > 2 || pad.find_first_not_of('=') != std::string_view::npos ||
        text.size() % 4 != 0)
      return std::nullopt;
  }
  if (body.empty() || body.size() % 4 == 1) return std::nullopt;
  std::vector<std::uint8_t> out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : body) {
    const std::size_t v = kBase64Alphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace

bool is_valid_key_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxKeyNameLength) return false;
  auto first = name.begin();
  return x3::parse(first, name.end(), key_name) && first == name.end();
}

bool is_extension_key(std::string_view key_name_text) {
  return key_name_text.starts_with("X-") || key_name_text.starts_with("X#");
}

std::size_t max_value_length(std::string_view key) {
  return is_large_binary_key(key) || is_extension_key(key) ? kMaxLargeValueLength
                                                           : kMaxSimpleValueLength;
}

TextResult<TextKeyList> parse_text(std::span<const std::uint8_t> data, TextParseOptions options) {
  TextKeyList keys;
  std::unordered_set<std::string> seen;
  ByteIt const begin = data.data();
  ByteIt const end = begin + data.size();
  ByteIt it = begin;
  while (it != end) {
    const ByteIt pair_begin = it;
    auto pair = parse_pair(it, begin, end);
    if (!pair) return std::move(pair).error();
    if (!options.allow_repeated_keys && !seen.insert(pair->name).second)
      return TextError{TextErrorCode::kDuplicateKey, static_cast<std::size_t>(pair_begin - begin),
                       "key sent twice (RFC 7143 6.2)"};
    keys.push_back(std::move(pair).value());
  }
  return keys;
}

std::vector<std::uint8_t> encode_text(const TextKeyList& keys) {
  std::vector<std::uint8_t> out;
  for (const TextKey& key : keys) {
    out.insert(out.end(), key.name.begin(), key.name.end());
    out.push_back('=');
    out.insert(out.end(), key.value.begin(), key.value.end());
    out.push_back(0);
  }
  return out;
}

std::optional<bool> parse_boolean(std::string_view value) {
  if (value == "Yes") return true;
  if (value == "No") return false;
  return std::nullopt;
}

std::string_view boolean_text(bool value) { return value ? "Yes" : "No"; }

std::optional<std::uint64_t> parse_numerical(std::string_view value) {
  if (value.empty() || value.size() > kMaxSimpleValueLength) return std::nullopt;
  std::uint64_t n = 0;
  auto first = value.begin();
  bool ok = false;
  if (value.size() > 2 && value[0] == '0' && (value[1] == 'x' || value[1] == 'X')) {
    first += 2;
    ok = x3::parse(first, value.end(), x3::uint_parser<std::uint64_t, 16>{}, n);
  } else if (value.size() == 1 || value[0] != '0') {  // decimal-constant: no leading zero
    ok = x3::parse(first, value.end(), x3::uint_parser<std::uint64_t, 10>{}, n);
  }
  // uint_parser fails on overflow, so "less than 2^64" holds.
  if (!ok || first != value.end()) return std::nullopt;
  return n;
}

std::optional<NumericRange> parse_range(std::string_view value) {
  const std::size_t tilde = value.find('~');
  if (tilde == std::string_view::npos) return std::nullopt;
  const auto low = parse_numerical(value.substr(0, tilde));
  const auto high = parse_numerical(value.substr(tilde + 1));
  if (!low || !high || *high < *low) return std::nullopt;
  return NumericRange{*low, *high};
}

std::string range_text(NumericRange range) {
  return std::to_string(range.low) + "~" + std::to_string(range.high);
}

std::optional<std::vector<std::string_view>> parse_list(std::string_view value) {
  std::vector<std::string_view> items;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = value.find(',', start);
    const std::string_view item = value.substr(start, comma - start);
    if (item.empty() || item.size() > kMaxSimpleValueLength) return std::nullopt;
    items.push_back(item);
    if (comma == std::string_view::npos) return items;
    start = comma + 1;
  }
}

std::optional<std::vector<std::uint8_t>> parse_binary(std::string_view value) {
  if (value.size() < 3 || value[0] != '0') return std::nullopt;
  if (value[1] == 'x' || value[1] == 'X') return decode_hex_digits(value.substr(2));
  if (value[1] == 'b' || value[1] == 'B') return decode_base64(value.substr(2));
  return std::nullopt;
}

std::string hex_constant(std::span<const std::uint8_t> bytes) {
  static constexpr std::string_view kDigits = "0123456789ABCDEF";
  std::string out = "0x";
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0F]);
  }
  if (bytes.empty()) out.push_back('0');
  return out;
}

std::string base64_constant(std::span<const std::uint8_t> bytes) {
  std::string out = "0b";
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) |
                            bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kBase64Alphabet[(v >> shift) & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = std::uint32_t{bytes[i]} << 16;
    if (rest == 2) v |= std::uint32_t{bytes[i + 1]} << 8;
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

bool is_iscsi_name(std::string_view value) {
  if (value.size() <= 4 || value.size() > kMaxIscsiNameLength) return false;
  const std::string_view prefix = value.substr(0, 4);
  if (prefix != "iqn." && prefix != "eui." && prefix != "naa.") return false;
  auto first = value.begin();
  return x3::parse(first, value.end(), +x3::char_("A-Za-z0-9.:-")) && first == value.end();
}

TextResult<std::optional<TextKeyList>> TextAssembler::add(std::span<const std::uint8_t> segment,
                                                          bool continue_bit,
                                                          TextParseOptions options) {
  if (segment.size() > limit_ - buffer_.size()) {
    const std::size_t at = limit_;
    buffer_.clear();
    return TextError{TextErrorCode::kTooLarge, at,
                     "continued text exceeds the reassembly limit (RFC 7143 11.10.2)"};
  }
  buffer_.insert(buffer_.end(), segment.begin(), segment.end());
  if (continue_bit) return std::optional<TextKeyList>{};
  auto parsed = parse_text(buffer_, options);
  buffer_.clear();
  if (!parsed) return std::move(parsed).error();
  return std::optional<TextKeyList>{std::move(parsed).value()};
}

std::vector<std::span<const std::uint8_t>> split_text(std::span<const std::uint8_t> text,
                                                      std::size_t max_segment) {
  std::vector<std::span<const std::uint8_t>> segments;
  if (max_segment == 0) max_segment = 1;  // defensive: the contract asks for > 0
  std::size_t at = 0;
  do {
    const std::size_t n = std::min(max_segment, text.size() - at);
    segments.push_back(text.subspan(at, n));
    at += n;
  } while (at < text.size());
  return segments;
}

}  // namespace xg::iscsi
