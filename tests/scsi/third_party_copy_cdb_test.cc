// THIRD-PARTY COPY OUT (83h) / IN (84h) CDBs (SPC-4 r37 6.3-6.5, 6.18-6.26; SBC-4 5.12.1,
// 5.59.1): client vectors both ways, unknown service actions, and
// every reserved bit of every service action against a layout written here from the spec.
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "scsi/third_party_copy_cdb.h"
#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::scsi::FieldRef;
using xg::scsi::Sense;
using xg::scsi::ThirdPartyCopyCdb;
using xg::test::Bytes;
using xg::test::hex;
using xg::test::show;

namespace {

void check_both_directions(const Bytes& v, const ThirdPartyCopyCdb& expected) {
  INFO(show(v));
  auto decoded = xg::scsi::decode_third_party_copy_cdb(v);
  if (!decoded) FAIL(xg::scsi::describe(decoded.error()));
  CHECK(*decoded == expected);
  CHECK(show(xg::scsi::encode_third_party_copy_cdb(expected)) == show(v));
}

void check_error(const Bytes& v, const Sense& expected) {
  INFO(show(v));
  auto decoded = xg::scsi::decode_third_party_copy_cdb(v);
  REQUIRE_FALSE(decoded.has_value());
  INFO(xg::scsi::describe(decoded.error()));
  CHECK(decoded.error() == expected);
  CHECK(xg::test::fixed_sense_hex(decoded.error()) == xg::test::fixed_sense_hex(expected));
}

ThirdPartyCopyCdb cdb(std::uint8_t op, std::uint8_t sa, std::optional<std::uint32_t> id,
                      std::uint32_t pll, std::uint32_t alloc, std::uint8_t group = 0,
                      std::uint8_t control = 0) {
  return {op, sa, id, pll, alloc, group, control};
}

// Independent statement of the spec layouts: which CDB bytes 2-14 are reserved, and which
// bits of byte 14 may be set (GROUP NUMBER, SBC-4: b5:0).
struct Layout {
  std::uint8_t op;
  std::uint8_t sa;
  std::string_view name;
  std::vector<int> reserved;  // wholly reserved bytes among 2..14
  std::uint8_t byte14_allowed;
};

const std::vector<Layout>& layouts() {
  static const std::vector<Layout> rows = {
      {0x83, 0x00, "EXTENDED COPY(LID1)", {2, 3, 4, 5, 6, 7, 8, 9, 14}, 0},
      {0x83, 0x01, "EXTENDED COPY(LID4)", {2, 3, 4, 5, 6, 7, 8, 9, 14}, 0},
      {0x83, 0x10, "POPULATE TOKEN", {2, 3, 4, 5}, 0x3F},
      {0x83, 0x11, "WRITE USING TOKEN", {2, 3, 4, 5}, 0x3F},
      {0x83, 0x1C, "COPY OPERATION ABORT", {6, 7, 8, 9, 10, 11, 12, 13, 14}, 0},
      {0x84, 0x00, "RECEIVE COPY STATUS(LID1)", {3, 4, 5, 6, 7, 8, 9, 14}, 0},
      {0x84, 0x01, "RECEIVE COPY DATA(LID1)", {3, 4, 5, 6, 7, 8, 9, 14}, 0},
      {0x84, 0x03, "RECEIVE COPY OPERATING PARAMETERS", {2, 3, 4, 5, 6, 7, 8, 9, 14}, 0},
      {0x84, 0x04, "RECEIVE COPY FAILURE DETAILS(LID1)", {3, 4, 5, 6, 7, 8, 9, 14}, 0},
      {0x84, 0x05, "RECEIVE COPY STATUS(LID4)", {6, 7, 8, 9, 14}, 0},
      {0x84, 0x06, "RECEIVE COPY DATA(LID4)", {6, 7, 8, 9, 14}, 0},
      {0x84, 0x07, "RECEIVE ROD TOKEN INFORMATION", {6, 7, 8, 9, 14}, 0},
      {0x84, 0x08, "REPORT ALL ROD TOKENS", {2, 3, 4, 5, 6, 7, 8, 9, 14}, 0},
  };
  return rows;
}

Bytes blank(std::uint8_t op, std::uint8_t sa) {
  Bytes v(16, 0);
  v[0] = op;
  v[1] = sa;
  return v;
}

}  // namespace

TEST_CASE("CDB: Windows POPULATE TOKEN, list ID in bytes 6-9 (SBC-4 5.12.1)",
          "[scsi][odx][cdb]") {
  check_both_directions(hex(R"(
    83           // THIRD-PARTY COPY OUT
    10           // SERVICE ACTION = POPULATE TOKEN
    00 00 00 00  // reserved
    00 00 01 02  // LIST IDENTIFIER 102h
    00 00 00 30  // PARAMETER LIST LENGTH 48
    00           // GROUP NUMBER 0
    00           // CONTROL
  )"), cdb(0x83, 0x10, 0x102, 48, 0));
}

TEST_CASE("CDB: WRITE USING TOKEN with GROUP NUMBER (6 bits, SBC-4) and NACA",
          "[scsi][odx][cdb]") {
  check_both_directions(hex("83 11 00000000 00000103 00000238 21 04"),
                        cdb(0x83, 0x11, 0x103, 0x238, 0, 0x21, 0x04));
}

TEST_CASE("CDB: EXTENDED COPY(LID1) from ESXi/sg_xcopy: no list ID in the CDB (SPC-4 6.5)",
          "[scsi][xcopy][cdb]") {
  check_both_directions(hex(R"(
    83 00                    // EXTENDED COPY(LID1)
    00 00 00 00 00 00 00 00  // reserved
    00 00 00 6C              // PARAMETER LIST LENGTH 108 (16 + 2 CSCDs + one 02h)
    00 00
  )"), cdb(0x83, 0x00, std::nullopt, 108, 0));
  check_both_directions(hex("83 01 0000000000000000 00000060 00 00"),
                        cdb(0x83, 0x01, std::nullopt, 0x60, 0));
}

TEST_CASE("CDB: COPY OPERATION ABORT from ddptctl, list ID in bytes 2-5 (SPC-4 6.3)",
          "[scsi][odx][cdb]") {
  check_both_directions(hex("83 1C 00000101 000000000000000000 00"),
                        cdb(0x83, 0x1C, 0x101, 0, 0));
}

TEST_CASE("CDB: RECEIVE COPY RESULTS family: 8-bit list ID in byte 2 for LID1, 32-bit in "
          "bytes 2-5 for LID4 and RRTI (SPC-4 6.18-6.26)", "[scsi][cdb]") {
  // libiscsi: RECEIVE COPY STATUS(LID1), list ID 5, allocation length 1024.
  check_both_directions(hex("84 00 05 00000000000000 00000400 00 00"),
                        cdb(0x84, 0x00, 0x05, 0, 1024));
  check_both_directions(hex("84 01 FD 00000000000000 00000208 00 00"),
                        cdb(0x84, 0x01, 0xFD, 0, 520));
  // sg_copy_results --params: byte 2 reserved, default --xfer_len 520.
  check_both_directions(hex("84 03 0000000000000000 00000208 00 00"),
                        cdb(0x84, 0x03, std::nullopt, 0, 520));
  check_both_directions(hex("84 04 07 00000000000000 0000003C 00 00"),
                        cdb(0x84, 0x04, 0x07, 0, 60));
  // ddpt prefer_rcs and Windows RRTI after a PT with list ID 102h.
  check_both_directions(hex("84 05 00000101 00000000 00000060 00 00"),
                        cdb(0x84, 0x05, 0x101, 0, 0x60));
  check_both_directions(hex("84 06 FFFFFFFF 00000000 00000100 00 00"),
                        cdb(0x84, 0x06, 0xFFFFFFFF, 0, 0x100));
  check_both_directions(hex("84 07 00000102 00000000 00000260 00 00"),
                        cdb(0x84, 0x07, 0x102, 0, 0x260));
  check_both_directions(hex("84 08 0000000000000000 00001000 00 00"),
                        cdb(0x84, 0x08, std::nullopt, 0, 0x1000));
}

TEST_CASE("CDB: every field of every service action at all-ones decodes and re-encodes",
          "[scsi][cdb]") {
  for (const auto& row : layouts()) {
    INFO(row.name);
    Bytes v = blank(row.op, row.sa);
    for (int b = 2; b <= 13; ++b) {
      if (std::find(row.reserved.begin(), row.reserved.end(), b) == row.reserved.end()) {
        v[static_cast<std::size_t>(b)] = 0xFF;
      }
    }
    v[14] = row.byte14_allowed;
    v[15] = 0xC7;  // vendor specific, NACA, obsolete FLAG/LINK
    auto decoded = xg::scsi::decode_third_party_copy_cdb(v);
    if (!decoded) FAIL(xg::scsi::describe(decoded.error()));
    CHECK(show(xg::scsi::encode_third_party_copy_cdb(*decoded)) == show(v));
    CHECK(xg::scsi::service_action_name(row.op, row.sa) == row.name);
  }
}

TEST_CASE("CDB: each reserved bit -> 24/00 at its byte and highest set bit (SPC-4 4.3.4)",
          "[scsi][cdb]") {
  for (const auto& row : layouts()) {
    INFO(row.name);
    for (int b : row.reserved) {
      const auto at = static_cast<std::size_t>(b);
      if (b == 14 && row.byte14_allowed != 0) continue;
      check_error(xg::test::with_byte(blank(row.op, row.sa), at, 0x01),
                  Sense::invalid_field_in_cdb(FieldRef::cdb(at, 0)));
      check_error(xg::test::with_byte(blank(row.op, row.sa), at, 0x90),
                  Sense::invalid_field_in_cdb(FieldRef::cdb(at, 7)));
    }
    if (row.byte14_allowed != 0) {
      check_error(xg::test::with_byte(blank(row.op, row.sa), 14, 0x40),
                  Sense::invalid_field_in_cdb(FieldRef::cdb(14, 6)));
    }
    // Byte 1 b7:5 and CONTROL b5:3 are reserved everywhere.
    check_error(xg::test::with_byte(blank(row.op, row.sa), 1,
                                    static_cast<std::uint8_t>(0x20 | row.sa)),
                Sense::invalid_field_in_cdb(FieldRef::cdb(1, 5)));
    check_error(xg::test::with_byte(blank(row.op, row.sa), 1,
                                    static_cast<std::uint8_t>(0xE0 | row.sa)),
                Sense::invalid_field_in_cdb(FieldRef::cdb(1, 7)));
    check_error(xg::test::with_byte(blank(row.op, row.sa), 15, 0x08),
                Sense::invalid_field_in_cdb(FieldRef::cdb(15, 3)));
    check_error(xg::test::with_byte(blank(row.op, row.sa), 15, 0x3C),
                Sense::invalid_field_in_cdb(FieldRef::cdb(15, 5)));
  }
  CHECK(xg::test::fixed_sense_hex(Sense::invalid_field_in_cdb(FieldRef::cdb(14, 6))) ==
        show(hex("70 00 05 00000000 0A 00000000 24 00 00 CE 00 0E")));
}

TEST_CASE("CDB: the lowest offending byte is reported first", "[scsi][cdb]") {
  Bytes v = blank(0x83, 0x10);
  v[3] = 0x02;
  v[14] = 0x80;
  check_error(v, Sense::invalid_field_in_cdb(FieldRef::cdb(3, 1)));
}

TEST_CASE("CDB: unknown service action -> 24/00 at byte 1 bit 4 (an invalid CDB field, not 20/00)",
          "[scsi][cdb]") {
  for (std::uint8_t op : {std::uint8_t{0x83}, std::uint8_t{0x84}}) {
    for (std::uint8_t sa = 0; sa < 32; ++sa) {
      const bool known = std::any_of(layouts().begin(), layouts().end(), [&](const Layout& l) {
        return l.op == op && l.sa == sa;
      });
      if (known) continue;
      INFO(int{op} << "/" << int{sa});
      check_error(blank(op, sa), Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4)));
      CHECK(xg::scsi::service_action_name(op, sa) == "unknown");
    }
  }
  CHECK(xg::test::fixed_sense_hex(Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4))) ==
        show(hex("70 00 05 00000000 0A 00000000 24 00 00 CC 00 01")));
  CHECK(xg::scsi::third_party_copy_service_actions(0x83) ==
        std::vector<std::uint8_t>{0x00, 0x01, 0x10, 0x11, 0x1C});
  CHECK(xg::scsi::third_party_copy_service_actions(0x84) ==
        std::vector<std::uint8_t>{0x00, 0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08});
}

TEST_CASE("CDB: shorter than 16 bytes or not 83h/84h -> 20/00 at byte 0", "[scsi][cdb]") {
  const Bytes v = hex("83 10 00000000 00000102 00000030 00 00");
  for (std::size_t n = 0; n < 16; ++n) {
    INFO("size " << n);
    check_error(xg::test::truncated(v, n), Sense::invalid_command_operation_code());
  }
  check_error(xg::test::with_byte(v, 0, 0x85), Sense::invalid_command_operation_code());
  check_error(xg::test::with_byte(v, 0, 0x00), Sense::invalid_command_operation_code());
  CHECK(xg::test::fixed_sense_hex(Sense::invalid_command_operation_code()) ==
        show(hex("70 00 05 00000000 0A 00000000 20 00 00 C0 00 00")));
  // Bytes past the sixteenth are not the CDB's.
  auto decoded = xg::scsi::decode_third_party_copy_cdb(xg::test::concat({v, hex("FF FF")}));
  REQUIRE(decoded.has_value());
  CHECK(decoded->parameter_list_length == 48);
}

TEST_CASE("CDB: encoder writes zero where a service action has no such field",
          "[scsi][cdb]") {
  ThirdPartyCopyCdb c = cdb(0x83, 0x00, 0x55, 0x6C, 0x999, 0x3F, 0);
  CHECK(show(xg::scsi::encode_third_party_copy_cdb(c)) ==
        show(hex("83 00 0000000000000000 0000006C 00 00")));
  c = cdb(0x84, 0x00, 0x1234, 0x777, 0x400);
  CHECK(show(xg::scsi::encode_third_party_copy_cdb(c)) ==
        show(hex("84 00 34 00000000000000 00000400 00 00")));
}
