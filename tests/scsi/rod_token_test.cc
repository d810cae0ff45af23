// ROD tokens (SPC-4 r37 5.17.6, table 110; ROD types table 111) and the block device zero
// ROD token (SBC-4 4.26.4): byte-exact vectors both ways, truncation, malformed layouts.
#include <string>
#include <vector>

#include "scsi/rod_token.h"
#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::scsi::BlockDeviceParameters;
using xg::scsi::CreatorLogicalUnitDescriptor;
using xg::scsi::Designator;
using xg::scsi::FieldRef;
using xg::scsi::RodToken;
using xg::scsi::Sense;
using xg::test::Bytes;
using xg::test::hex;
using xg::test::show;

namespace {

Bytes zeros(std::size_t n) { return Bytes(n, 0); }

Bytes extended_pattern() {
  Bytes b(256);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return b;
}

// FreeBSD-CTL-like AUR token (ctl_tpc.c tpc_create_token) with the gateway's fixed
// 128-byte target device area and an iSCSI name as TARGET DEVICE DESCRIPTOR.
Bytes aur_token_bytes() {
  return xg::test::concat({hex(R"(
    00 01 00 00              // 0-3    ROD TYPE = access upon reference
    00 00                    // 4-5    reserved
    01 F8                    // 6-7    ROD TOKEN LENGTH
    00 00 00 00 00 00 00 07  // 8-15   COPY MANAGER ROD TOKEN IDENTIFIER
    E4 00 00 00              // 16     E4h, PDT 00h, RELATIVE INITIATOR PORT ID 0
    01 03 00 10              // 20     binary, LU, NAA, DESIGNATOR LENGTH 16
    60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 01  // 24-39 NAA 6h
    00 00 00 00              // 40-43  padding
    00 00 02 00              // 44     PAD=0, DISK BLOCK LENGTH 512
    00 00 00 00 00 00 00 00  // 48-55  NUMBER OF BYTES REPRESENTED, high
    00 00 00 00 01 80 00 00  // 56-63  low: 24 MiB
  )"), zeros(32),            // 64-95  ROD TYPE SPECIFIC
  hex(R"(
    00 00 02 00              // 96-99  LOGICAL BLOCK LENGTH 512
    00                       // 100    P_TYPE 0, PROT_EN 0
    03                       // 101    P_I_EXPONENT 0, LBPPBE 3 (4 KiB physical)
    C0 00                    // 102    LBPME=1, LBPRZ=1, LOWEST ALIGNED LBA 0
  )"), zeros(24),            // 104-127 reserved
  hex(R"(
    03 28 00 1C              // 128    UTF-8, target device, SCSI name string, length 28
    69 71 6E 2E 32 30 32 34 2D 30 31 2E 69 6F 2E 78 67 61 74 65 3A 67 77 30  // iqn.2024-01.io.xgate:gw0
    00 00 00 00              // null terminator and padding
  )"), zeros(96),            // 160-255 rest of the target device area
  extended_pattern()});      // 256-511 EXTENDED ROD TOKEN DATA
}

Designator naa_01() {
  Designator d;
  d.value = hex("60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 01");
  return d;
}

RodToken aur_token() {
  RodToken t;
  t.rod_type = xg::scsi::kRodTypeAccessUponReference;
  t.copy_manager_rod_token_identifier = 7;
  t.creator_logical_unit_descriptor = CreatorLogicalUnitDescriptor{0, naa_01(), {false, 512}};
  t.number_of_bytes_represented_low = 24u << 20;
  t.device_type_specific.logical_block_length = 512;
  t.device_type_specific.logical_blocks_per_physical_block_exponent = 3;
  t.device_type_specific.lbpme = true;
  t.device_type_specific.lbprz = true;
  t.target_device_descriptor = Designator::scsi_name_string(
      "iqn.2024-01.io.xgate:gw0", xg::scsi::Association::kTargetDevice);
  const Bytes ext = extended_pattern();
  std::copy(ext.begin(), ext.end(), t.extended_rod_token_data.begin());
  return t;
}

void check_error(const Bytes& token, const Sense& expected) {
  auto decoded = xg::scsi::decode_rod_token(token);
  REQUIRE_FALSE(decoded.has_value());
  INFO(xg::scsi::describe(decoded.error()));
  CHECK(decoded.error() == expected);
  CHECK(xg::test::fixed_sense_hex(decoded.error()) == xg::test::fixed_sense_hex(expected));
}

}  // namespace

TEST_CASE("ROD token: FreeBSD-like AUR token decodes and re-encodes byte-exactly "
          "(SPC-4 5.17.6 table 110)", "[scsi][odx][rod_token]") {
  const Bytes v = aur_token_bytes();
  REQUIRE(v.size() == 512);
  auto decoded = xg::scsi::decode_rod_token(v);
  if (!decoded) FAIL(xg::scsi::describe(decoded.error()));
  CHECK(*decoded == aur_token());
  CHECK(show(xg::scsi::encode_rod_token(aur_token())) == show(v));
  CHECK_FALSE(xg::scsi::rod_token_is_zero_token(*decoded));
  CHECK_FALSE(xg::scsi::rod_token_is_zero_token(v));
}

TEST_CASE("ROD token: block device zero ROD token is FFFF0001h, 01F8h, zeros (SBC-4 4.26.4)",
          "[scsi][odx][rod_token]") {
  const Bytes expected = xg::test::concat({hex("FF FF 00 01  00 00  01 F8"), zeros(504)});
  const auto& constant = xg::scsi::zero_rod_token_bytes();
  CHECK(show(Bytes(constant.begin(), constant.end())) == show(expected));
  CHECK(show(xg::scsi::encode_rod_token(xg::scsi::zero_rod_token())) == show(expected));
  auto decoded = xg::scsi::decode_rod_token(expected);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == xg::scsi::zero_rod_token());
  CHECK_FALSE(decoded->creator_logical_unit_descriptor.has_value());
  CHECK_FALSE(decoded->target_device_descriptor.has_value());
  CHECK(xg::scsi::rod_token_is_zero_token(*decoded));
  CHECK(xg::scsi::rod_token_is_zero_token(expected));
}

TEST_CASE("ROD token: FFFF0001h with any other non-zero byte is not the zero token",
          "[scsi][odx][rod_token]") {
  const Bytes zero = xg::test::concat({hex("FF FF 00 01  00 00  01 F8"), zeros(504)});
  for (std::size_t at : {8u, 50u, 70u, 96u, 300u, 511u}) {
    const Bytes v = xg::test::with_byte(zero, at, 0x01);
    INFO("byte " << at);
    CHECK_FALSE(xg::scsi::rod_token_is_zero_token(v));
    auto decoded = xg::scsi::decode_rod_token(v);
    REQUIRE(decoded.has_value());
    CHECK_FALSE(xg::scsi::rod_token_is_zero_token(*decoded));
  }
  CHECK_FALSE(xg::scsi::rod_token_is_zero_token(xg::test::truncated(zero, 511)));
  CHECK_FALSE(xg::scsi::rod_token_is_zero_token(xg::test::with_byte(zero, 3, 0x02)));
}

TEST_CASE("ROD token: ROD TOKEN LENGTH other than 01F8h -> 23/0A, field pointer byte 6 "
          "(SBC-4 5.59.2)", "[scsi][odx][rod_token]") {
  for (std::uint8_t low : {0xF7, 0xF9, 0x00}) {
    check_error(xg::test::with_byte(aur_token_bytes(), 7, low),
                Sense::invalid_token_length(FieldRef::param(6)));
  }
  check_error(xg::test::with_byte(aur_token_bytes(), 6, 0x00),
              Sense::invalid_token_length(FieldRef::param(6)));
  CHECK(xg::test::fixed_sense_hex(Sense::invalid_token_length(FieldRef::param(6))) ==
        show(hex("70 00 05 00000000 0A 00000000 23 0A 00 80 00 06")));
}

TEST_CASE("ROD token: truncated at every byte -> 23/0A without a field pointer",
          "[scsi][odx][rod_token]") {
  const Bytes v = aur_token_bytes();
  for (std::size_t n = 0; n < v.size(); ++n) {
    INFO("size " << n);
    check_error(xg::test::truncated(v, n), Sense::invalid_token_operation(0x0A));
  }
}

TEST_CASE("ROD token: offsets are absolute when read from inside a parameter list",
          "[scsi][odx][rod_token]") {
  const Bytes list = xg::test::concat({zeros(16), xg::test::with_byte(aur_token_bytes(), 7, 0)});
  xg::base::ByteReader r(list);
  r.skip(16);
  auto decoded = xg::scsi::decode_rod_token(r);
  REQUIRE_FALSE(decoded.has_value());
  CHECK(decoded.error() == Sense::invalid_token_length(FieldRef::param(22)));
}

TEST_CASE("ROD token: creator descriptor not E4h or with a bad designator -> 23/05 at the "
          "failing byte", "[scsi][odx][rod_token]") {
  const Bytes v = aur_token_bytes();
  check_error(xg::test::with_byte(v, 16, 0xE5),
              Sense::invalid_token_operation(0x05, FieldRef::param(16)));
  check_error(xg::test::with_byte(v, 23, 21),  // DESIGNATOR LENGTH 21 > 20
              Sense::invalid_token_operation(0x05, FieldRef::param(23)));
  check_error(xg::test::with_byte(v, 20, 0x00),  // reserved CODE SET 0
              Sense::invalid_token_operation(0x05, FieldRef::param(20, 3)));
  check_error(xg::test::with_byte(v, 21, 0x33),  // reserved ASSOCIATION 11b
              Sense::invalid_token_operation(0x05, FieldRef::param(21, 5)));
}

TEST_CASE("ROD token: target device area with garbage -> 23/05 at the designator field",
          "[scsi][odx][rod_token]") {
  const Bytes v = aur_token_bytes();
  check_error(xg::test::with_byte(v, 128, 0x00),
              Sense::invalid_token_operation(0x05, FieldRef::param(128, 3)));
  check_error(xg::test::with_byte(v, 131, 125),  // runs past the 128-byte area
              Sense::invalid_token_operation(0x05, FieldRef::param(131)));
  // Padding after the designator is reserved: ignored, and re-encoded as zero.
  auto decoded = xg::scsi::decode_rod_token(xg::test::with_byte(v, 200, 0x5A));
  REQUIRE(decoded.has_value());
  CHECK(*decoded == aur_token());
}

TEST_CASE("ROD token: unknown ROD TYPE decodes (the token table answers 23/01 later)",
          "[scsi][odx][rod_token]") {
  auto decoded = xg::scsi::decode_rod_token(xg::test::with_byte(aur_token_bytes(), 0, 0x12));
  REQUIRE(decoded.has_value());
  CHECK(decoded->rod_type == 0x12010000u);
  CHECK(xg::scsi::rod_type_name(0x12010000u) == "reserved");
}

TEST_CASE("ROD token: reserved bytes 4-5 and 104-127 are ignored on decode, zero on encode",
          "[scsi][odx][rod_token]") {
  Bytes v = aur_token_bytes();
  v[4] = 0xAA;
  v[110] = 0x55;
  auto decoded = xg::scsi::decode_rod_token(v);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == aur_token());
  CHECK(show(xg::scsi::encode_rod_token(*decoded)) == show(aur_token_bytes()));
}

TEST_CASE("ROD token: device type specific block data bits (SBC-4 table 65 bytes 8-15)",
          "[scsi][odx][rod_token]") {
  RodToken t = aur_token();
  t.device_type_specific = {4096, 2, true, 1, 0, false, true, 0x3FFF};
  t.number_of_bytes_represented_high = 0xFFFFFFFFFFFFFFFFull;
  t.number_of_bytes_represented_low = 0xFFFFFFFFFFFFFFFFull;
  const auto bytes = xg::scsi::encode_rod_token(t);
  CHECK(show(Bytes(bytes.begin() + 96, bytes.begin() + 104)) ==
        show(hex("00 00 10 00  05  10  7F FF")));
  CHECK(show(Bytes(bytes.begin() + 48, bytes.begin() + 64)) == show(Bytes(16, 0xFF)));
  auto decoded = xg::scsi::decode_rod_token(bytes);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == t);
}

TEST_CASE("ROD token: ROD type names and point-in-time classification (SPC-4 table 111)",
          "[scsi][odx][rod_token]") {
  using namespace xg::scsi;
  const struct {
    std::uint32_t type;
    std::string_view name;
    bool pit;
  } rows[] = {
      {0x00000000, "copy manager internal", false},
      {0x00010000, "access upon reference", false},
      {0x00800000, "point in time copy - default", true},
      {0x00800001, "point in time copy - change vulnerable", true},
      {0x00800002, "point in time copy - persistent", true},
      {0x0080FFFF, "point in time copy - any", true},
      {0xFFFF0001, "block device zero ROD token", false},
      {0xFF000000, "device type specific", false},
      {0xFFFFFFEF, "device type specific", false},
      {0xFFFFFFF0, "vendor specific", false},
      {0x00800003, "reserved", false},
  };
  for (const auto& row : rows) {
    INFO(row.type);
    CHECK(rod_type_name(row.type) == row.name);
    CHECK(is_point_in_time_rod_type(row.type) == row.pit);
  }
}
