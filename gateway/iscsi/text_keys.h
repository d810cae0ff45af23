// iSCSI text data segments: key=value pairs (RFC 7143 §6.1 "Text Format"), the value
// forms of §6.1 (boolean, numerical, range, list, binary), their encoders, and the
// reassembly of a text split over several Login/Text PDUs with the C (continue) bit
// (RFC 7143 §11.10.2 and §11.12.2).
//
// This file is syntax only. What a key means, which stage may carry it and how its value
// is negotiated is gateway/iscsi/negotiation.h. Pure code: no sockets, no exceptions
// (the grammar is Spirit X3 without expectation points).
//
// Contract of parse_text():
//   - every pair, the last one included, is "key=value" followed by one NUL (0x00);
//   - key-name: 1..63 bytes of letters, digits, '.', '-', '+', '@', '_' (§6.1
//     "key-name"), starting with a letter. §6.1 says a capital letter, but §13.24's own
//     iSCSIProtocolLevel starts with 'i', so lower case is accepted. The
//     standard-extension form "X#name" (§13.5.2) is also accepted, since '#' is
//     otherwise not a key-name character;
//   - value: any bytes but NUL (aliases are UTF-8, §6.1 "iSCSI-local-name-value"),
//     at most max_value_length(key) bytes: 255 unless the key carries a large binary
//     value (§6.1 "large-binary-value"; CHAP_C/CHAP_R §12.1.3) or is a vendor/extension
//     key whose limit we cannot know, which get 8192 (the amount of key=value data every
//     implementation must accept, §6.1);
//   - a key appearing twice in one text is a protocol error (§6.2) unless the caller
//     allows repeats (target responses repeat TargetName/TargetAddress, §13.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace xg::iscsi {

inline constexpr std::size_t kMaxKeyNameLength = 63;        // RFC 7143 §6.1 key-name
inline constexpr std::size_t kMaxSimpleValueLength = 255;   // RFC 7143 §6.1 simple-value
inline constexpr std::size_t kMaxLargeValueLength = 8192;   // RFC 7143 §6.1, 8192 bytes
inline constexpr std::size_t kMaxIscsiNameLength = 223;     // RFC 7143 §4.2.7.1
inline constexpr std::size_t kDefaultTextAssemblyLimit = 64 * 1024;

struct TextKey {
  std::string name;
  std::string value;
  bool operator==(const TextKey&) const = default;
};
using TextKeyList = std::vector<TextKey>;

enum class TextErrorCode : std::uint8_t {
  kBadKeyName,        // empty key, bad first character or a byte outside the key-name set
  kKeyNameTooLong,    // more than 63 bytes
  kMissingEquals,     // the key is followed by NUL or the end of the data
  kMissingNul,        // the last pair is not terminated by 0x00
  kValueTooLong,      // longer than max_value_length(key)
  kDuplicateKey,      // same key twice in one text (RFC 7143 §6.2)
  kTooLarge,          // TextAssembler: more than its limit buffered
};

// A syntax error. `offset` is the byte offset inside the (reassembled) data segment of
// the offending pair's key, or of the offending byte; `because` has static storage.
struct TextError {
  TextErrorCode code = TextErrorCode::kBadKeyName;
  std::size_t offset = 0;
  std::string_view because;
  bool operator==(const TextError& o) const { return code == o.code && offset == o.offset; }
};

template <class T>
using TextResult = base::Result<T, TextError>;

struct TextParseOptions {
  bool allow_repeated_keys = false;  // true only for parsing target responses (SendTargets)
};

// Parses a complete text data segment (padding already removed by the PDU layer).
// An empty segment is a valid empty list.
TextResult<TextKeyList> parse_text(std::span<const std::uint8_t> data,
                                   TextParseOptions options = {});
// "key=value\0" for every pair, in order. Total: the caller supplies valid keys.
std::vector<std::uint8_t> encode_text(const TextKeyList& keys);

bool is_valid_key_name(std::string_view name);
std::size_t max_value_length(std::string_view key_name);
// Vendor-specific "X-..." and standard-extension "X#..." keys (RFC 7143 §13.5).
bool is_extension_key(std::string_view key_name);

// --- Value forms (RFC 7143 §6.1). Each returns nullopt when the value is not of the form.
// boolean-value: exactly "Yes" or "No".
std::optional<bool> parse_boolean(std::string_view value);
std::string_view boolean_text(bool value);

// numerical-value: decimal-constant (no leading zeros, "0" alone is fine) or
// hex-constant ("0x"/"0X" + 1 or more hex digits), less than 2^64.
std::optional<std::uint64_t> parse_numerical(std::string_view value);

// numeric-range: numerical-value '~' numerical-value, left <= right.
struct NumericRange {
  std::uint64_t low = 0;
  std::uint64_t high = 0;
  bool operator==(const NumericRange&) const = default;
};
std::optional<NumericRange> parse_range(std::string_view value);
std::string range_text(NumericRange range);

// list-of-values: text-values separated by ','; each non-empty and <= 255 bytes.
std::optional<std::vector<std::string_view>> parse_list(std::string_view value);

// binary-value given as hex-constant or base64-constant ("0b"/"0B" + RFC 4648 base64,
// '=' padding optional). Decimal binary values go through parse_numerical.
std::optional<std::vector<std::uint8_t>> parse_binary(std::string_view value);
std::string hex_constant(std::span<const std::uint8_t> bytes);     // "0x" + upper-case hex
std::string base64_constant(std::span<const std::uint8_t> bytes);  // "0b" + padded base64

// iSCSI-name-value (RFC 7143 §4.2.7): "iqn.", "eui." or "naa." form, <= 223 bytes,
// letters, digits, '.', '-', ':'. Upper case is tolerated (names are compared as sent).
bool is_iscsi_name(std::string_view value);

// Reassembles a text data segment split over PDUs with the C bit (RFC 7143 §11.10.2,
// §11.12.2): a key=value pair may be cut anywhere, even inside the key. Buffers at most
// `limit` bytes so a peer cannot make the target buffer without bound; past it, add()
// returns kTooLarge and forgets what it had. After a final PDU (C=0) it starts afresh.
class TextAssembler {
 public:
  explicit TextAssembler(std::size_t limit = kDefaultTextAssemblyLimit) : limit_(limit) {}

  // nullopt while more PDUs are expected (continue_bit), else the parsed list.
  TextResult<std::optional<TextKeyList>> add(std::span<const std::uint8_t> segment,
                                             bool continue_bit,
                                             TextParseOptions options = {});
  void reset() { buffer_.clear(); }
  std::size_t buffered() const { return buffer_.size(); }
  std::size_t limit() const { return limit_; }

 private:
  std::vector<std::uint8_t> buffer_;
  std::size_t limit_;
};

// Splits an encoded text into data segments of at most max_segment bytes (the peer's
// MaxRecvDataSegmentLength); every segment but the last is sent with C=1. An empty text
// gives one empty segment. max_segment must be > 0.
std::vector<std::span<const std::uint8_t>> split_text(std::span<const std::uint8_t> text,
                                                      std::size_t max_segment);

}  // namespace xg::iscsi
