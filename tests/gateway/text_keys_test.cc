// RFC 7143 §6.1 text format: key=value pairs, value forms, C-bit reassembly.
#include "gateway/iscsi/text_keys.h"

#include <ostream>
#include <string>
#include <string_view>

#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::iscsi::TextAssembler;
using xg::iscsi::TextError;
using xg::iscsi::TextErrorCode;
using xg::iscsi::TextKey;
using xg::iscsi::TextKeyList;
using xg::test::Bytes;
using xg::test::hex;
using xg::test::show;
using namespace std::string_literals;
using namespace std::string_view_literals;

namespace xg::iscsi {
// Readable Catch2 failure messages.
std::ostream& operator<<(std::ostream& os, const TextError& e) {
  return os << "TextError{code=" << int(e.code) << ", offset=" << e.offset << "}";
}
}  // namespace xg::iscsi

namespace {

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

// "HeaderDigest=None,CRC32C\0MaxBurstLength=262144\0InitiatorAlias=\0", one field per line.
const Bytes kThreePairs = hex(R"(
  48 65 61 64 65 72 44 69 67 65 73 74   // "HeaderDigest"
  3D                                    // '='
  4E 6F 6E 65 2C 43 52 43 33 32 43      // "None,CRC32C" (list-of-values)
  00                                    // NUL delimiter
  4D 61 78 42 75 72 73 74 4C 65 6E 67 74 68  // "MaxBurstLength"
  3D                                    // '='
  32 36 32 31 34 34                     // "262144" (decimal-constant)
  00                                    // NUL delimiter
  49 6E 69 74 69 61 74 6F 72 41 6C 69 61 73  // "InitiatorAlias"
  3D                                    // '=' and an empty value
  00                                    // NUL delimiter
)");
const TextKeyList kThreePairsList = {
    {"HeaderDigest", "None,CRC32C"}, {"MaxBurstLength", "262144"}, {"InitiatorAlias", ""}};

TextError error_of(const Bytes& data, xg::iscsi::TextParseOptions options = {}) {
  auto parsed = xg::iscsi::parse_text(data, options);
  REQUIRE_FALSE(parsed.has_value());
  return parsed.error();
}

}  // namespace

TEST_CASE("Text 6.1: key=value pairs each ended by NUL decode and encode byte-exactly",
          "[gateway][iscsi][text]") {
  auto parsed = xg::iscsi::parse_text(kThreePairs);
  REQUIRE(parsed.has_value());
  CHECK(*parsed == kThreePairsList);
  CHECK(show(xg::iscsi::encode_text(kThreePairsList)) == show(kThreePairs));
}

TEST_CASE("Text 6.1: an empty data segment is an empty key list", "[gateway][iscsi][text]") {
  auto parsed = xg::iscsi::parse_text({});
  REQUIRE(parsed.has_value());
  CHECK(parsed->empty());
  CHECK(xg::iscsi::encode_text({}).empty());
}

TEST_CASE("Text 6.1: truncation at every byte fails at the cut with the exact error, except "
          "at pair boundaries", "[gateway][iscsi][text]") {
  // Pair boundaries: after each NUL. Inside a key: no '='. After '=': no NUL.
  const std::size_t first_equals = 12, second_equals = 25 + 14, third_equals = 47 + 14;
  for (std::size_t n = 0; n < kThreePairs.size(); ++n) {
    CAPTURE(n);
    const Bytes cut = xg::test::truncated(kThreePairs, n);
    if (n == 0 || n == 25 || n == 47) {
      auto parsed = xg::iscsi::parse_text(cut);
      REQUIRE(parsed.has_value());
      CHECK(parsed->size() == (n == 0 ? 0u : n == 25 ? 1u : 2u));
      continue;
    }
    // A cut just before '=' leaves a whole key without '=': also kMissingEquals.
    const bool in_key = (n <= first_equals) || (n > 25 && n <= second_equals) ||
                        (n > 47 && n <= third_equals);
    const TextError expected{in_key ? TextErrorCode::kMissingEquals : TextErrorCode::kMissingNul,
                             n, {}};
    CHECK(error_of(cut) == expected);
  }
}

TEST_CASE("Text 6.1: key-name rules (capital first, character set, 63 bytes) with the offset "
          "of the offending byte", "[gateway][iscsi][text]") {
  struct Row {
    std::string text;
    TextErrorCode code;
    std::size_t offset;
  };
  const std::string k63 = "K" + std::string(62, 'k');
  const auto row = GENERATE_COPY(values<Row>({
      {"_key=v\0"s, TextErrorCode::kBadKeyName, 0},            // '_' first
      {"=v\0"s, TextErrorCode::kBadKeyName, 0},                // empty key
      {"1Key=v\0"s, TextErrorCode::kBadKeyName, 0},            // digit first
      {"Ke y=v\0"s, TextErrorCode::kBadKeyName, 2},            // space inside
      {"Key:x=v\0"s, TextErrorCode::kBadKeyName, 3},           // ':' is a value character only
      {"A=1\0Key\0"s, TextErrorCode::kMissingEquals, 7},       // second pair lacks '='
      {"A=1\0B=2"s, TextErrorCode::kMissingNul, 7},            // last pair not terminated
      {k63 + "k=v" + '\0', TextErrorCode::kKeyNameTooLong, 0}  // 64 bytes
  }));
  CAPTURE(row.text);
  CHECK(error_of(bytes_of(row.text)) == TextError{row.code, row.offset, {}});
}

TEST_CASE("Text 6.1: accepted key names include 63 bytes, digits, .-+@_, X-/X# extensions and "
          "iSCSIProtocolLevel",
          "[gateway][iscsi][text]") {
  const std::string name = GENERATE(std::string("K") + std::string(62, 'k'), std::string("A"),
                                    std::string("X-com.example.Key_1+@"), std::string("X#Foo"),
                                    std::string("CHAP_A"), std::string("iSCSIProtocolLevel"));
  CAPTURE(name);
  // iSCSIProtocolLevel (13.24) starts lower case although 6.1 asks for a capital letter.
  CHECK(xg::iscsi::is_valid_key_name(name));
  auto parsed = xg::iscsi::parse_text(bytes_of(name + "=1" + '\0'));
  REQUIRE(parsed.has_value());
  CHECK(*parsed == TextKeyList{{name, "1"}});
}

TEST_CASE("Text 6.1: value longer than 255 bytes is rejected at the value's offset, "
          "large-binary keys and extension keys may carry 8192", "[gateway][iscsi][text]") {
  CHECK(xg::iscsi::parse_text(bytes_of("A=" + std::string(255, 'v') + '\0')).has_value());
  CHECK(error_of(bytes_of("A=" + std::string(256, 'v') + '\0')) ==
        TextError{TextErrorCode::kValueTooLong, 2, {}});
  CHECK(xg::iscsi::parse_text(bytes_of("CHAP_C=" + std::string(8192, 'a') + '\0')).has_value());
  CHECK(error_of(bytes_of("CHAP_C=" + std::string(8193, 'a') + '\0')) ==
        TextError{TextErrorCode::kValueTooLong, 7, {}});
  CHECK(xg::iscsi::max_value_length("X-vendor.Key") == 8192);
  CHECK(xg::iscsi::max_value_length("MaxBurstLength") == 255);
}

TEST_CASE("Text 6.2: a key twice in one text is a protocol error at the second pair, "
          "responses may repeat keys", "[gateway][iscsi][text]") {
  const Bytes twice = bytes_of("A=1\0B=2\0A=3\0"sv);
  CHECK(error_of(twice) == TextError{TextErrorCode::kDuplicateKey, 8, {}});
  auto allowed = xg::iscsi::parse_text(twice, {.allow_repeated_keys = true});
  REQUIRE(allowed.has_value());
  CHECK(allowed->size() == 3);
}

TEST_CASE("Text 6.1: boolean-value is exactly Yes or No", "[gateway][iscsi][text][values]") {
  CHECK(xg::iscsi::parse_boolean("Yes") == true);
  CHECK(xg::iscsi::parse_boolean("No") == false);
  for (auto bad : {"yes", "NO", "", "Yes ", "1"}) CHECK_FALSE(xg::iscsi::parse_boolean(bad));
  CHECK(xg::iscsi::boolean_text(true) == "Yes");
  CHECK(xg::iscsi::boolean_text(false) == "No");
}

TEST_CASE("Text 6.1: numerical-value is a decimal-constant without leading zeros or a "
          "hex-constant, below 2^64", "[gateway][iscsi][text][values]") {
  struct Row {
    std::string_view text;
    std::optional<std::uint64_t> value;
  };
  const auto row = GENERATE(values<Row>({
      {"0", 0},
      {"8192", 8192},
      {"18446744073709551615", UINT64_MAX},
      {"18446744073709551616", std::nullopt},  // 2^64
      {"0x10", 16},
      {"0X1f", 31},
      {"0x0000000000000000000001", 1},
      {"0xFFFFFFFFFFFFFFFF", UINT64_MAX},
      {"0x10000000000000000", std::nullopt},
      {"0x", std::nullopt},
      {"08192", std::nullopt},  // leading zero
      {"-1", std::nullopt},
      {"+1", std::nullopt},
      {" 1", std::nullopt},
      {"1 ", std::nullopt},
      {"", std::nullopt},
      {"0b", std::nullopt},     // base64 is not a numerical-value
      {"12a", std::nullopt},
  }));
  CAPTURE(row.text);
  CHECK(xg::iscsi::parse_numerical(row.text) == row.value);
}

TEST_CASE("Text 6.1: numeric-range is low~high with low <= high", "[gateway][iscsi][text][values]") {
  CHECK(xg::iscsi::parse_range("1~65535") == xg::iscsi::NumericRange{1, 65535});
  CHECK(xg::iscsi::parse_range("0x10~0x10") == xg::iscsi::NumericRange{16, 16});
  CHECK_FALSE(xg::iscsi::parse_range("5~4"));
  CHECK_FALSE(xg::iscsi::parse_range("5"));
  CHECK_FALSE(xg::iscsi::parse_range("~5"));
  CHECK_FALSE(xg::iscsi::parse_range("1~2~3"));
  CHECK(xg::iscsi::range_text({2048, 4096}) == "2048~4096");
}

TEST_CASE("Text 6.1: list-of-values splits on commas, empty or over-long items are invalid",
          "[gateway][iscsi][text][values]") {
  auto list = xg::iscsi::parse_list("CRC32C,None");
  REQUIRE(list);
  CHECK(*list == std::vector<std::string_view>{"CRC32C", "None"});
  CHECK(xg::iscsi::parse_list("None")->size() == 1);
  CHECK_FALSE(xg::iscsi::parse_list(""));
  CHECK_FALSE(xg::iscsi::parse_list("None,"));
  CHECK_FALSE(xg::iscsi::parse_list(",None"));
  CHECK_FALSE(xg::iscsi::parse_list("A,," + std::string(3, 'b')));
  CHECK_FALSE(xg::iscsi::parse_list("A," + std::string(256, 'b')));
}

TEST_CASE("Text 6.1: binary values as hex-constant and base64-constant, both directions",
          "[gateway][iscsi][text][values]") {
  const Bytes challenge = hex("01 02 FE FF 80");
  CHECK(xg::iscsi::hex_constant(challenge) == "0x0102FEFF80");
  CHECK(xg::iscsi::base64_constant(challenge) == "0bAQL+/4A=");
  CHECK(xg::iscsi::parse_binary("0x0102feff80") == challenge);
  CHECK(xg::iscsi::parse_binary("0bAQL+/4A=") == challenge);
  CHECK(xg::iscsi::parse_binary("0BAQL+/4A") == challenge);  // padding optional
  CHECK(xg::iscsi::parse_binary("0x102") == hex("01 02"));   // odd digit count
  CHECK(xg::iscsi::parse_binary("0bTWFu") == bytes_of("Man"));
  CHECK(xg::iscsi::parse_binary("0bTWE=") == bytes_of("Ma"));
  CHECK(xg::iscsi::parse_binary("0bTQ==") == bytes_of("M"));
  for (auto bad : {"0x", "0b", "0xZZ", "0bT", "0bTQ=", "0bTQ===", "0bT=Q=", "0b!!!!", "12"})
    CHECK_FALSE(xg::iscsi::parse_binary(bad));
  for (std::size_t n = 0; n < 7; ++n) {
    const Bytes b = xg::test::truncated(hex("00 11 22 33 44 55 66"), n);
    CHECK(xg::iscsi::parse_binary(xg::iscsi::base64_constant(b)).value_or(Bytes{9}) ==
          (n == 0 ? Bytes{9} : b));  // "0b" with nothing after is not a value
    if (n > 0) CHECK(xg::iscsi::parse_binary(xg::iscsi::hex_constant(b)) == b);
  }
}

TEST_CASE("Text 4.2.7: iSCSI names are iqn./eui./naa. forms of at most 223 bytes",
          "[gateway][iscsi][text][values]") {
  CHECK(xg::iscsi::is_iscsi_name("iqn.1993-08.org.debian:01:5e4d3c2b1a00"));
  CHECK(xg::iscsi::is_iscsi_name("eui.02004567A425678D"));
  CHECK(xg::iscsi::is_iscsi_name("naa.52004567BA64678D"));
  CHECK(xg::iscsi::is_iscsi_name("iqn." + std::string(219, 'a')));
  CHECK_FALSE(xg::iscsi::is_iscsi_name("iqn." + std::string(220, 'a')));
  CHECK_FALSE(xg::iscsi::is_iscsi_name("iqn."));
  CHECK_FALSE(xg::iscsi::is_iscsi_name("host.example.com"));
  CHECK_FALSE(xg::iscsi::is_iscsi_name("iqn.2004-01.com.example:disk 0"));
}

TEST_CASE("Text 11.10.2: a text split at every byte over two PDUs with C=1 reassembles to "
          "the same keys", "[gateway][iscsi][text][assembler]") {
  for (std::size_t cut = 0; cut <= kThreePairs.size(); ++cut) {
    CAPTURE(cut);
    TextAssembler assembler;
    const std::span<const std::uint8_t> all(kThreePairs);
    auto first = assembler.add(all.first(cut), true);
    REQUIRE(first.has_value());
    CHECK_FALSE(first->has_value());
    CHECK(assembler.buffered() == cut);
    auto second = assembler.add(all.subspan(cut), false);
    REQUIRE(second.has_value());
    REQUIRE(second->has_value());
    CHECK(**second == kThreePairsList);
    CHECK(assembler.buffered() == 0);
  }
}

TEST_CASE("Text 11.10.2: reassembly is bounded, exceeding the limit is kTooLarge and the "
          "assembler starts afresh", "[gateway][iscsi][text][assembler]") {
  TextAssembler assembler(32);
  const Bytes chunk(20, 'A');
  REQUIRE(assembler.add(chunk, true).has_value());
  auto over = assembler.add(chunk, true);
  REQUIRE_FALSE(over.has_value());
  CHECK(over.error() == TextError{TextErrorCode::kTooLarge, 32, {}});
  CHECK(assembler.buffered() == 0);
  auto fresh = assembler.add(bytes_of("A=1\0"sv), false);
  REQUIRE(fresh.has_value());
  CHECK(**fresh == TextKeyList{{"A", "1"}});
  // Exactly at the limit is fine.
  TextAssembler exact(4);
  CHECK(exact.add(bytes_of("A=1\0"sv), false).has_value());
  CHECK(TextAssembler().limit() == 65536);
}

TEST_CASE("Text 11.10.2: a final PDU with a syntax error reports it at the reassembled offset",
          "[gateway][iscsi][text][assembler]") {
  TextAssembler assembler;
  REQUIRE(assembler.add(bytes_of("A=1\0B"sv), true).has_value());
  auto bad = assembler.add(bytes_of("=2"sv), false);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error() == TextError{TextErrorCode::kMissingNul, 7, {}});
}

TEST_CASE("Text 11.10.2: split_text chunks an encoded text to the peer's segment size",
          "[gateway][iscsi][text]") {
  const auto parts = xg::iscsi::split_text(kThreePairs, 16);
  REQUIRE(parts.size() == 4);  // 63 bytes -> 16 + 16 + 16 + 15
  CHECK(parts.back().size() == 15);
  Bytes joined;
  for (auto p : parts) joined.insert(joined.end(), p.begin(), p.end());
  CHECK(joined == kThreePairs);
  CHECK(xg::iscsi::split_text({}, 16).size() == 1);
}
