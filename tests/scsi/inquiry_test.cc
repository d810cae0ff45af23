// SPC-4 6.6.2 standard INQUIRY data, both directions, and malformed responses.
#include "scsi/inquiry.h"

#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::scsi::FieldRef;
using xg::scsi::Sense;
using xg::scsi::StandardInquiry;
using xg::test::Bytes;
using xg::test::hex;
using xg::test::show;

namespace {

// The gateway's LU: SPC-4, 3PC=1, the same identity on
// every LU (ESXi refuses XCOPY between LUs whose PRODUCT IDENTIFICATION differs).
StandardInquiry gateway_lu() {
  StandardInquiry q;
  q.version = xg::scsi::kVersionSpc4;
  q.hisup = true;
  q.third_party_copy = true;
  q.cmdque = true;
  q.t10_vendor_identification = "XGATE";
  q.product_identification = "XGATE-NVME";
  q.product_revision_level = "0001";
  return q;
}

const Bytes kGatewayLu36 = hex(R"(
  00                       // PERIPHERAL QUALIFIER 000b, PERIPHERAL DEVICE TYPE 00h
  00                       // RMB=0, LU_CONG=0
  06                       // VERSION = SPC-4
  12                       // NORMACA=0, HISUP=1, RESPONSE DATA FORMAT = 2
  1F                       // ADDITIONAL LENGTH = 36 - 5
  08                       // SCCS=0 ACC=0 TPGS=00b 3PC=1 PROTECT=0
  00                       // ENCSERV=0 MULTIP=0
  02                       // CMDQUE=1
  58 47 41 54 45 20 20 20  // T10 VENDOR IDENTIFICATION "XGATE   "
  58 47 41 54 45 2D 4E 56 4D 45 20 20 20 20 20 20  // PRODUCT IDENTIFICATION "XGATE-NVME"
  30 30 30 31              // PRODUCT REVISION LEVEL "0001"
)");

Bytes zeros(std::size_t n) { return Bytes(n, 0); }

}  // namespace

TEST_CASE("INQUIRY: gateway LU, 3PC=1 at byte 5 bit 3 and VERSION 06h (SPC-4 6.6.2), 36 bytes",
          "[scsi][inquiry]") {
  CHECK(show(xg::scsi::encode_standard_inquiry(gateway_lu())) == show(kGatewayLu36));
  auto decoded = xg::scsi::decode_standard_inquiry(kGatewayLu36);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == gateway_lu());
  CHECK(decoded->third_party_copy);
  CHECK(decoded->version == 0x06);
}

TEST_CASE("INQUIRY: version descriptors make the 96-byte form, ADDITIONAL LENGTH 5Bh",
          "[scsi][inquiry]") {
  StandardInquiry q = gateway_lu();
  q.version_descriptors = {0x0460, 0x04C0, 0x0960};  // SPC-4, SBC-3, iSCSI
  Bytes head = kGatewayLu36;
  head[4] = 0x5B;
  const Bytes expected = xg::test::concat({head, zeros(20),  // 36-55 vendor specific
                                           zeros(2),          // 56-57 SPI fields, reserved
                                           hex(R"(
    04 60  // VERSION DESCRIPTOR 1: SPC-4
    04 C0  // VERSION DESCRIPTOR 2: SBC-3
    09 60  // VERSION DESCRIPTOR 3: iSCSI
    00 00 00 00 00 00 00 00 00 00  // descriptors 4-8 unused
  )"),
                                           zeros(22)});  // 74-95 reserved
  REQUIRE(expected.size() == 96);
  CHECK(show(xg::scsi::encode_standard_inquiry(q)) == show(expected));
  auto decoded = xg::scsi::decode_standard_inquiry(expected);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == q);
}

TEST_CASE("INQUIRY: every flag lands on its own bit (SPC-4 6.6.2)", "[scsi][inquiry]") {
  StandardInquiry q;
  q.peripheral = {0x3, 0x1F};
  q.rmb = q.lu_cong = q.normaca = q.sccs = q.acc = q.protect = true;
  q.encserv = q.multip = true;
  q.hisup = q.cmdque = q.third_party_copy = false;
  q.tpgs = 0x3;
  const Bytes bytes = xg::scsi::encode_standard_inquiry(q);
  CHECK(show(Bytes(bytes.begin(), bytes.begin() + 8)) ==
        show(hex("7F C0 06 22 1F F1 50 00")));
  auto decoded = xg::scsi::decode_standard_inquiry(bytes);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == q);
}

TEST_CASE("INQUIRY: ASCII fields lose space or NUL padding and are cut to width on encode",
          "[scsi][inquiry]") {
  Bytes nul_padded = kGatewayLu36;
  for (std::size_t i = 13; i < 16; ++i) nul_padded[i] = 0;  // "XGATE\0\0\0"
  auto decoded = xg::scsi::decode_standard_inquiry(nul_padded);
  REQUIRE(decoded.has_value());
  CHECK(decoded->t10_vendor_identification == "XGATE");

  StandardInquiry q = gateway_lu();
  q.t10_vendor_identification = "TOOLONGVENDOR";
  const Bytes bytes = xg::scsi::encode_standard_inquiry(q);
  CHECK(bytes.size() == 36);
  CHECK(std::string(bytes.begin() + 8, bytes.begin() + 16) == "TOOLONGV");
}

TEST_CASE("INQUIRY: bytes past ADDITIONAL LENGTH are ignored (allocation length larger)",
          "[scsi][inquiry]") {
  auto decoded = xg::scsi::decode_standard_inquiry(xg::test::concat({kGatewayLu36, zeros(60)}));
  REQUIRE(decoded.has_value());
  CHECK(*decoded == gateway_lu());
}

TEST_CASE("INQUIRY: truncation at every byte -> 1A/00, pointer at ADDITIONAL LENGTH once present",
          "[scsi][inquiry][malformed]") {
  for (std::size_t size = 0; size < kGatewayLu36.size(); ++size) {
    INFO("size " << size);
    auto r = xg::scsi::decode_standard_inquiry(xg::test::truncated(kGatewayLu36, size));
    REQUIRE_FALSE(r.has_value());
    const Sense expected = size < 5 ? Sense::param_list_length_error()
                                    : Sense::param_list_length_error(FieldRef::param(4));
    CHECK(r.error() == expected);
  }
}

TEST_CASE("INQUIRY: ADDITIONAL LENGTH past the data or under 36 bytes -> 1A/00 at byte 4",
          "[scsi][inquiry][malformed]") {
  auto past = xg::scsi::decode_standard_inquiry(xg::test::with_byte(kGatewayLu36, 4, 0x20));
  REQUIRE_FALSE(past.has_value());
  CHECK(xg::test::fixed_sense_hex(past.error()) ==
        show(hex("70 00 05 00000000 0A 00000000 1A 00 00 80 00 04")));

  auto short_form = xg::scsi::decode_standard_inquiry(xg::test::with_byte(kGatewayLu36, 4, 0x1E));
  REQUIRE_FALSE(short_form.has_value());
  CHECK(short_form.error() == Sense::param_list_length_error(FieldRef::param(4)));
}

TEST_CASE("INQUIRY: RESPONSE DATA FORMAT other than 2 -> 26/00 at byte 3 bit 3",
          "[scsi][inquiry][malformed]") {
  for (std::uint8_t format : {0x00, 0x01, 0x03, 0x0F}) {
    auto r = xg::scsi::decode_standard_inquiry(
        xg::test::with_byte(kGatewayLu36, 3, static_cast<std::uint8_t>(0x10 | format)));
    REQUIRE_FALSE(r.has_value());
    CHECK(xg::test::fixed_sense_hex(r.error()) ==
          show(hex("70 00 05 00000000 0A 00000000 26 00 00 8B 00 03")));  // SKSV, BPV, bit 3
  }
}
