// CRC32C header and data digests (RFC 7143 13.1; RFC 3720 B.4 examples), and the byte
// order the digest travels in.
#include "gateway/iscsi/digest.h"

#include <numeric>
#include <string_view>

#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using namespace xg::iscsi;
using xg::test::Bytes;
using xg::test::hex;
using xg::test::show;

namespace {

Bytes wire(std::uint32_t crc) {
  const auto b = digest_bytes(crc);
  return {b.begin(), b.end()};
}

}  // namespace

TEST_CASE("Digest B.4: the four 32-byte examples, as values and as wire bytes",
          "[gateway][digest]") {
  struct Example {
    std::string_view name;
    Bytes input;
    std::uint32_t value;
    std::string_view on_the_wire;  // as RFC 3720 B.4 prints the CRC
  };
  Bytes zeros(32, 0x00), ones(32, 0xFF), up(32), down(32);
  std::iota(up.begin(), up.end(), std::uint8_t{0});
  for (std::size_t i = 0; i < 32; ++i) down[i] = static_cast<std::uint8_t>(31 - i);
  const Example examples[] = {
      {"32 bytes of zeros", zeros, 0x8A9136AA, "aa 36 91 8a"},
      {"32 bytes of FFh", ones, 0x62A8AB43, "43 ab a8 62"},
      {"00h..1Fh incrementing", up, 0x46DD794E, "4e 79 dd 46"},
      {"1Fh..00h decrementing", down, 0x113FDB5C, "5c db 3f 11"},
  };
  for (const auto& e : examples) {
    INFO(e.name);
    CHECK(crc32c(e.input) == e.value);
    CHECK(show(wire(crc32c(e.input))) == show(hex(e.on_the_wire)));
  }
}

TEST_CASE("Digest 13.1: CRC32C check value of \"123456789\" is E3069283h", "[gateway][digest]") {
  constexpr std::string_view kCheck = "123456789";
  const Bytes input(kCheck.begin(), kCheck.end());
  CHECK(crc32c(input) == 0xE3069283);
  CHECK(crc32c({}) == 0x00000000);  // the empty string
}

TEST_CASE("Digest: incremental updates equal one pass, at every split point",
          "[gateway][digest]") {
  Bytes input(61);
  std::iota(input.begin(), input.end(), std::uint8_t{7});
  const std::uint32_t whole = crc32c(input);
  for (std::size_t split = 0; split <= input.size(); ++split) {
    Crc32c crc;
    crc.update(std::span(input).first(split));
    crc.update(std::span(input).subspan(split));
    CHECK(crc.value() == whole);
  }
}

TEST_CASE("Digest: wire bytes are least significant first and read back exactly",
          "[gateway][digest]") {
  CHECK(show(wire(0x11223344)) == "44 33 22 11");
  const Bytes bytes = hex("44 33 22 11");
  CHECK(read_digest(std::span<const std::uint8_t, 4>(bytes.data(), 4)) == 0x11223344);
  const auto round = digest_bytes(0xDEADBEEF);
  CHECK(read_digest(round) == 0xDEADBEEF);
}
