// WRITE USING TOKEN parameter list (SBC-4 5.59.2; Windows classpnp, ddpt --odx):
// byte-exact vectors both ways, the zero token, and every LU-independent rule of SBC-4
// 5.59.2 with its exact sense.
#include <cstdint>
#include <vector>

#include "scsi/rod_token.h"
#include "scsi/write_using_token.h"
#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::scsi::BlockDeviceRangeDescriptor;
using xg::scsi::FieldRef;
using xg::scsi::RodToken;
using xg::scsi::RodTokenLimits;
using xg::scsi::Sense;
using xg::scsi::WriteUsingTokenParams;
using xg::test::Bytes;
using xg::test::hex;
using xg::test::show;

namespace {

Bytes zeros(std::size_t n) { return Bytes(n, 0); }

// A token as RRTI returned it to Windows: AUR, creator named by EUI-64, no target device
// descriptor, 256 bytes of (here constant) extended data.
Bytes token_bytes() {
  return xg::test::concat({hex(R"(
    00 01 00 00  00 00  01 F8      // token 0: ROD TYPE AUR, ROD TOKEN LENGTH 01F8h
    00 00 00 00 00 00 01 00        // token 8: COPY MANAGER ROD TOKEN IDENTIFIER 100h
    E4 00 00 00  01 02 00 08       // token 16: E4h; binary, LU, EUI-64, length 8
    00 11 22 33 44 55 66 77        // EUI-64
    00 00 00 00 00 00 00 00 00 00 00 00  // padding to token byte 43
    00 00 10 00                    // DISK BLOCK LENGTH 4096
    00 00 00 00 00 00 00 00  00 00 00 00 10 00 00 00  // token 48: 256 MiB represented
  )"), zeros(32),                  // token 64: ROD TYPE SPECIFIC
  hex("00 00 10 00  00 00 00 00"), // token 96: LOGICAL BLOCK LENGTH 4096
  zeros(24 + 128),                 // token 104: reserved; 128: no target device descriptor
  Bytes(256, 0xA5)});              // token 256: EXTENDED ROD TOKEN DATA
}

RodToken token() {
  RodToken t;
  t.copy_manager_rod_token_identifier = 0x100;
  xg::scsi::CreatorLogicalUnitDescriptor creator;
  creator.designator = xg::scsi::Designator::eui64(0x0011223344556677ull);
  creator.device_parameters.disk_block_length = 4096;
  t.creator_logical_unit_descriptor = creator;
  t.number_of_bytes_represented_low = 256u << 20;
  t.device_type_specific.logical_block_length = 4096;
  t.extended_rod_token_data.fill(0xA5);
  return t;
}

// Windows classpnp WUT (Windows-driver-samples classpnp): IMMED=0, resumes at OFFSET INTO ROD 8000h
// blocks, two destination ranges.
Bytes windows_wut() {
  return xg::test::concat({hex(R"(
    02 36                    // WRITE USING TOKEN DATA LENGTH = 566
    00                       // DEL_TKN=0, IMMED=0
    00 00 00 00 00           // reserved
    00 00 00 00 00 00 80 00  // OFFSET INTO ROD = 32768 blocks
  )"), token_bytes(),        // bytes 16-527: ROD TOKEN
  hex(R"(
    00 00 00 00 00 00        // 528-533 reserved
    00 20                    // 534: BLOCK DEVICE RANGE DESCRIPTOR LENGTH = 32
    00 00 00 00 00 20 00 00  // 536: LBA 200000h
    00 00 40 00 00 00 00 00  // 16384 blocks
    00 00 00 00 00 40 00 00  // 552: LBA 400000h
    00 00 40 00 00 00 00 00  // 16384 blocks
  )")});
}

WriteUsingTokenParams windows_params() {
  WriteUsingTokenParams p;
  p.offset_into_rod = 0x8000;
  p.rod_token = token();
  p.ranges = {{0x200000, 16384}, {0x400000, 16384}};
  return p;
}

// Offloaded zeroing (Windows STORAGE_OFFLOAD_TOKEN_TYPE_ZERO_DATA; ddpt if=/dev/null
// rtype=zero): the block device zero ROD token, one range, DEL_TKN=1 as ddpt sets it on
// the last WUT.
Bytes zero_wut() {
  return xg::test::concat({hex(R"(
    02 26                    // DATA LENGTH = 550
    02                       // DEL_TKN=1, IMMED=0
    00 00 00 00 00
    00 00 00 00 00 00 00 00  // OFFSET INTO ROD 0
    FF FF 00 01  00 00  01 F8  // zero ROD token header
  )"), zeros(504),
  hex(R"(
    00 00 00 00 00 00
    00 10                    // one descriptor
    00 00 00 00 00 00 10 00  // LBA 4096
    00 01 00 00 00 00 00 00  // 65536 blocks
  )")});
}

xg::scsi::Result<WriteUsingTokenParams> decode(const Bytes& v, const RodTokenLimits& limits = {}) {
  return xg::scsi::decode_write_using_token(v, limits);
}

void check_both_directions(const Bytes& v, const WriteUsingTokenParams& expected) {
  auto decoded = decode(v);
  if (!decoded) FAIL(xg::scsi::describe(decoded.error()));
  CHECK(*decoded == expected);
  CHECK(show(xg::scsi::encode_write_using_token(expected)) == show(v));
}

void check_error(const Bytes& v, const Sense& expected, const RodTokenLimits& limits = {}) {
  auto decoded = decode(v, limits);
  REQUIRE_FALSE(decoded.has_value());
  INFO(xg::scsi::describe(decoded.error()));
  CHECK(decoded.error() == expected);
  CHECK(xg::test::fixed_sense_hex(decoded.error()) == xg::test::fixed_sense_hex(expected));
}

}  // namespace

TEST_CASE("WUT: Windows list with OFFSET INTO ROD and a 512-byte token decodes and "
          "re-encodes byte-exactly (SBC-4 5.59.2)", "[scsi][odx][write_using_token]") {
  REQUIRE(windows_wut().size() == 568);
  check_both_directions(windows_wut(), windows_params());
}

TEST_CASE("WUT: zeroing with the block device zero ROD token (SBC-4 4.26.4)",
          "[scsi][odx][write_using_token]") {
  WriteUsingTokenParams p;
  p.del_tkn = true;
  p.rod_token = xg::scsi::zero_rod_token();
  p.ranges = {{4096, 65536}};
  check_both_directions(zero_wut(), p);
  auto decoded = decode(zero_wut());
  REQUIRE(decoded.has_value());
  CHECK(xg::scsi::rod_token_is_zero_token(decoded->rod_token));
}

TEST_CASE("WUT: fewer than 536 bytes -> 1A/00 (the token or range list length is cut off)",
          "[scsi][odx][write_using_token]") {
  const Bytes v = windows_wut();
  for (std::size_t n = 0; n < 536; ++n) {
    INFO("size " << n);
    check_error(xg::test::truncated(v, n), Sense::param_list_length_error());
  }
}

TEST_CASE("WUT: truncated inside the range list: partial descriptors ignored, none left -> "
          "1A/00", "[scsi][odx][write_using_token]") {
  const Bytes v = windows_wut();
  for (std::size_t n = 536; n <= v.size(); ++n) {
    INFO("size " << n);
    auto decoded = decode(xg::test::truncated(v, n));
    if (n < 552) {
      REQUIRE_FALSE(decoded.has_value());
      CHECK(decoded.error() == Sense::param_list_length_error());
    } else {
      REQUIRE(decoded.has_value());
      CHECK(decoded->ranges.size() == (n < 568 ? 1u : 2u));
    }
  }
}

TEST_CASE("WUT: WRITE USING TOKEN DATA LENGTH < 226h -> 26/00 at byte 0",
          "[scsi][odx][write_using_token]") {
  for (auto [high, low] : {std::pair<std::uint8_t, std::uint8_t>{0x02, 0x25}, {0x00, 0x00},
                           {0x01, 0xFF}}) {
    Bytes v = windows_wut();
    v[0] = high;
    v[1] = low;
    check_error(v, Sense::invalid_field_in_param_list(FieldRef::param(0)));
  }
}

TEST_CASE("WUT: ROD TOKEN LENGTH != 01F8h -> 23/0A INVALID TOKEN LENGTH at byte 22 "
          "(token byte 6)", "[scsi][odx][write_using_token]") {
  check_error(xg::test::with_byte(windows_wut(), 23, 0xF0),
              Sense::invalid_token_length(FieldRef::param(22)));
  check_error(xg::test::with_byte(zero_wut(), 22, 0x00),
              Sense::invalid_token_length(FieldRef::param(22)));
  CHECK(xg::test::fixed_sense_hex(Sense::invalid_token_length(FieldRef::param(22))) ==
        show(hex("70 00 05 00000000 0A 00000000 23 0A 00 80 00 16")));
}

TEST_CASE("WUT: a token with a corrupt creator descriptor -> 23/05 at its byte in the list",
          "[scsi][odx][write_using_token]") {
  check_error(xg::test::with_byte(windows_wut(), 16 + 16, 0x00),
              Sense::invalid_token_operation(0x05, FieldRef::param(32)));
}

TEST_CASE("WUT: BLOCK DEVICE RANGE DESCRIPTOR LENGTH < 16 -> 26/00 at byte 534",
          "[scsi][odx][write_using_token]") {
  for (std::uint8_t length : {0x00, 0x08, 0x0F}) {
    check_error(xg::test::with_byte(windows_wut(), 535, length),
                Sense::invalid_field_in_param_list(FieldRef::param(534)));
  }
}

TEST_CASE("WUT: more range descriptors than MAXIMUM RANGE DESCRIPTORS -> 26/08 at the first "
          "descriptor over the limit", "[scsi][odx][write_using_token]") {
  RodTokenLimits limits;
  limits.max_range_descriptors = 1;
  check_error(windows_wut(), Sense::too_many_segment_descriptors(FieldRef::param(552)), limits);
  WriteUsingTokenParams p = windows_params();
  p.ranges.clear();
  for (std::uint64_t i = 0; i < 65; ++i) p.ranges.push_back({i * 100, 10});
  limits.max_range_descriptors = 64;
  check_error(xg::scsi::encode_write_using_token(p),
              Sense::too_many_segment_descriptors(FieldRef::param(536 + 64 * 16)), limits);
  p.ranges.pop_back();
  CHECK(decode(xg::scsi::encode_write_using_token(p), limits).has_value());
}

TEST_CASE("WUT: overlapping destination ranges -> 26/00 at the later descriptor",
          "[scsi][odx][write_using_token]") {
  Bytes v = windows_wut();
  v[557] = 0x20;  // second range's LBA 400000h -> 202000h, inside 200000h + 4000h blocks
  v[558] = 0x20;
  check_error(v, Sense::invalid_field_in_param_list(FieldRef::param(552)));
}

TEST_CASE("WUT: total blocks above MAXIMUM TOKEN TRANSFER SIZE -> 26/00 at the crossing "
          "NUMBER OF LOGICAL BLOCKS", "[scsi][odx][write_using_token]") {
  RodTokenLimits limits;
  limits.max_token_transfer_size_blocks = 16384;
  check_error(windows_wut(), Sense::invalid_field_in_param_list(FieldRef::param(560)), limits);
}

TEST_CASE("WUT: destination ranges past the capacity -> 21/00 (SBC-4 5.59.2)",
          "[scsi][odx][write_using_token]") {
  const auto ranges = windows_params().ranges;
  CHECK(xg::scsi::check_ranges_in_capacity(ranges, 0x400000 + 16384).has_value());
  auto r = xg::scsi::check_ranges_in_capacity(ranges, 0x300000);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().asc == 0x21);
  CHECK(r.error().information == std::optional<std::uint64_t>(0x400000));
}

TEST_CASE("WUT: reserved bytes are ignored, IMMED and DEL_TKN bits decode",
          "[scsi][odx][write_using_token]") {
  Bytes v = windows_wut();
  v[2] = 0xFF;  // b7:2 reserved, DEL_TKN, IMMED
  v[5] = 0x77;
  v[530] = 0x77;
  auto decoded = decode(v);
  REQUIRE(decoded.has_value());
  WriteUsingTokenParams expected = windows_params();
  expected.del_tkn = true;
  expected.immed = true;
  CHECK(*decoded == expected);
}
