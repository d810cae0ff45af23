// CSCD descriptors (SPC-4 r37 6.4.5): E4h identification and FEh ROD, both directions,
// type-code names and refusals. Readers start at byte 16 so field pointers are absolute.
#include "scsi/cscd.h"

#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::base::ByteReader;
using xg::base::ByteWriter;
using xg::scsi::CopyManagerLimits;
using xg::scsi::CscdDescriptor;
using xg::scsi::Designator;
using xg::scsi::FieldRef;
using xg::scsi::IdentificationCscd;
using xg::scsi::RodCscd;
using xg::scsi::Sense;
using xg::test::Bytes;
using xg::test::hex;
using xg::test::show;

namespace {

constexpr std::size_t kAt = 16;  // where the descriptor sits in the parameter list

xg::scsi::Result<CscdDescriptor> decode(const Bytes& b, const CopyManagerLimits& limits = {}) {
  ByteReader r(b, kAt);
  auto out = xg::scsi::decode_cscd(r, limits);
  CHECK(r.ok());  // the latch never trips on a full-size descriptor
  return out;
}

Bytes encode(const CscdDescriptor& c) {
  ByteWriter w;
  xg::scsi::encode_cscd(c, w);
  return w.take();
}

void check_error(const Bytes& b, const Sense& expected, const CopyManagerLimits& limits = {}) {
  auto decoded = decode(b, limits);
  INFO(show(b));
  REQUIRE_FALSE(decoded.has_value());
  CHECK(decoded.error() == expected);
}

const char* const kT10 = R"(
  E4           // DESCRIPTOR TYPE CODE
  00           // LU ID TYPE 00b, NUL 0, PDT 00h
  00 02        // RELATIVE INITIATOR PORT IDENTIFIER = 2
  02           // CODE SET = 2h ASCII
  01           // ASSOCIATION 00b, DESIGNATOR TYPE = 1h T10 vendor ID
  00           // reserved
  14           // DESIGNATOR LENGTH = 20 (the maximum)
  58 47 41 54 45 20 20 20  // "XGATE   " T10 VENDOR IDENTIFICATION
  6C 75 6E 2D 30 30 30 30 30 30 30 31  // "lun-00000001"
  04 000200    // PAD=1, DISK BLOCK LENGTH 512
)";

}  // namespace

TEST_CASE("CSCD E4h: T10 vendor ID designator of exactly 20 bytes, PAD and port recorded "
          "(SPC-4 6.4.5.6)", "[scsi][xcopy][cscd]") {
  const Bytes v = hex(kT10);
  CscdDescriptor expected;
  expected.offset = kAt;
  expected.relative_initiator_port_identifier = 2;
  expected.body = IdentificationCscd{Designator::t10_vendor_id("XGATE", "lun-00000001")};
  expected.device_parameters = {true, 512};
  auto decoded = decode(v);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == expected);
  CHECK(decoded->descriptor_type_code() == 0xE4);
  CHECK(show(encode(expected)) == show(v));
}

TEST_CASE("CSCD E4h: LU ID TYPE ignored, NUL recorded, PDT != 0 -> 26/00 byte 1 bit 4",
          "[scsi][xcopy][cscd]") {
  const Bytes v = hex(kT10);
  for (std::uint8_t lu_id_type = 0; lu_id_type < 4; ++lu_id_type) {
    auto d = decode(xg::test::with_byte(v, 1, static_cast<std::uint8_t>(lu_id_type << 6)));
    REQUIRE(d.has_value());
    CHECK(d->lu_id_type == lu_id_type);
  }
  auto nul = decode(xg::test::with_byte(v, 1, 0x20));
  REQUIRE(nul.has_value());
  CHECK(nul->nul);
  for (std::uint8_t pdt : {0x01, 0x05, 0x1F}) {
    check_error(xg::test::with_byte(v, 1, pdt),
                Sense::invalid_field_in_param_list(FieldRef::param(kAt + 1, 4)));
  }
}

TEST_CASE("CSCD E4h: DESIGNATOR LENGTH > 20, reserved CODE SET, ASSOCIATION != 00b -> 26/00 "
          "at the field", "[scsi][xcopy][cscd][malformed]") {
  const Bytes v = hex(kT10);
  check_error(xg::test::with_byte(v, 7, 21),
              Sense::invalid_field_in_param_list(FieldRef::param(kAt + 7)));
  check_error(xg::test::with_byte(v, 4, 0x0F),
              Sense::invalid_field_in_param_list(FieldRef::param(kAt + 4, 3)));
  for (std::uint8_t byte5 : {0x11, 0x21, 0x31}) {
    check_error(xg::test::with_byte(v, 5, byte5),
                Sense::invalid_field_in_param_list(FieldRef::param(kAt + 5, 5)));
  }
}

TEST_CASE("CSCD FEh ROD descriptor decodes when the limits implement it (SPC-4 6.4.5.9), "
          "else 26/07", "[scsi][xcopy][cscd]") {
  const Bytes v = hex(R"(
    FE 00 0000   // ROD CSCD, PDT 0, port 0
    0001         // ROD PRODUCER CSCD DESCRIPTOR ID = 1
    0000         // reserved
    00000000     // ROD TYPE = 0 (token in inline data)
    00000E10     // REQUESTED ROD TOKEN LIFETIME = 3600 s
    0000003C     // REQUESTED ROD TOKEN INACTIVITY TIMEOUT = 60 s
    0000         // reserved
    01           // R_TOKEN = 1
    01           // DEL_TKN = 1
    00000010     // ROD TOKEN OFFSET = 16
    00 000200    // PAD=0, DISK BLOCK LENGTH 512
  )");
  check_error(v, Sense::unsupported_target_descriptor_type(FieldRef::param(kAt)));
  CopyManagerLimits limits;
  limits.implemented_descriptor_types = {0x02, 0xBF, 0xE4, 0xFE};
  CscdDescriptor expected;
  expected.offset = kAt;
  expected.body = RodCscd{1, 0, 3600, 60, true, true, 16};
  expected.device_parameters = {false, 512};
  auto decoded = decode(v, limits);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == expected);
  CHECK(decoded->descriptor_type_code() == 0xFE);
  CHECK(show(encode(expected)) == show(v));
}

TEST_CASE("CSCD: every type code but E4h/FEh is named and refused with 26/07 at the type byte, "
          "even when the limits list it", "[scsi][xcopy][cscd]") {
  CopyManagerLimits everything;
  everything.implemented_descriptor_types.clear();
  for (unsigned t = 0; t < 256; ++t) {
    everything.implemented_descriptor_types.push_back(static_cast<std::uint8_t>(t));
  }
  Bytes v = hex(kT10);
  for (unsigned t = 0; t < 256; ++t) {
    const auto code = static_cast<std::uint8_t>(t);
    if (code == 0xE4 || code == 0xFE) continue;
    INFO("type " << t);
    check_error(xg::test::with_byte(v, 0, code),
                Sense::unsupported_target_descriptor_type(FieldRef::param(kAt)), everything);
  }
  CHECK(xg::scsi::cscd_type_name(0xE0) == "Fibre Channel N_Port_Name");
  CHECK(xg::scsi::cscd_type_name(0xE4) == "Identification descriptor");
  CHECK(xg::scsi::cscd_type_name(0xE9) == "SAS Serial SCSI Protocol");
  CHECK(xg::scsi::cscd_type_name(0xEB) == "IP copy service");
  CHECK(xg::scsi::cscd_type_name(0xF0) == "reserved");
  CHECK(xg::scsi::cscd_type_name(0xFE) == "ROD");
  CHECK(xg::scsi::cscd_type_name(0x02) == "not a CSCD descriptor type code");
  CHECK(xg::scsi::cscd_descriptor_length(0xEA) == 64);
  CHECK(xg::scsi::cscd_descriptor_length(0xEB) == 64);
  CHECK(xg::scsi::cscd_descriptor_length(0xE4) == 32);
}
