// EXTENDED COPY(LID4) parameter lists (SPC-4 r37 6.4.2, table 119): the 48-byte header,
// its fixed values, IMMED/G_SENSE rules, and the shared list checks at LID4 offsets.
#include <algorithm>
#include <optional>

#include "scsi/xcopy_params.h"
#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::scsi::BlockDeviceParameters;
using xg::scsi::BlockToBlock;
using xg::scsi::CopyManagerLimits;
using xg::scsi::CscdDescriptor;
using xg::scsi::Designator;
using xg::scsi::ExtendedCopyList;
using xg::scsi::FieldRef;
using xg::scsi::IdentificationCscd;
using xg::scsi::ListIdFormat;
using xg::scsi::ListIdUsage;
using xg::scsi::SegmentDescriptor;
using xg::scsi::Sense;
using xg::test::Bytes;
using xg::test::hex;
using xg::test::show;
using xg::test::with_byte;

namespace {

const char* const kLid4 = R"(
  01                             // byte 0     LIST FORMAT = 01h
  10                             // byte 1     STR=0, LIST ID USAGE=10b, PRIORITY=0
  0020                           // bytes 2-3  HEADER CSCD DESCRIPTOR LIST LENGTH = 0020h
  00 00 00 00 00 00 00 00 00 00 00  // bytes 4-14 reserved
  00                             // byte 15    G_SENSE=0, IMMED=0
  FF                             // byte 16    HEADER CSCD DESCRIPTOR TYPE CODE = FFh
  00 00 00                       // bytes 17-19 reserved
  00000101                       // bytes 20-23 LIST IDENTIFIER = 257
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  // bytes 24-41 reserved
  0020                           // bytes 42-43 CSCD DESCRIPTOR LIST LENGTH = 32
  001C                           // bytes 44-45 SEGMENT DESCRIPTOR LIST LENGTH = 28
  0000                           // bytes 46-47 INLINE DATA LENGTH = 0
  E4 00 0000 01 03 00 10         // byte 48: E4h, binary, LU, NAA, length 16
  60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 01 00000000  00 001000  // 4096-byte blocks
  02 00 0018 0000 0000 0000 0100 // byte 80: 02h src 0 dst 0, 256 blocks
  0000000000000000 0000000000001000
)";

ExtendedCopyList lid4_list() {
  ExtendedCopyList l;
  l.format = ListIdFormat::kLid4;
  l.list_identifier = 257;
  l.list_id_usage = ListIdUsage::kDiscard;
  Designator d;
  d.value = hex("60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 01");
  CscdDescriptor c;
  c.offset = 48;
  c.body = IdentificationCscd{d};
  c.device_parameters = BlockDeviceParameters{false, 4096};
  l.cscds = {c};
  SegmentDescriptor s;
  s.offset = 80;
  s.body = BlockToBlock{256, 0, 0x1000};
  l.segments = {s};
  return l;
}

xg::scsi::Result<ExtendedCopyList> decode(const Bytes& b, const CopyManagerLimits& limits = {}) {
  return xg::scsi::decode_extended_copy(b, ListIdFormat::kLid4, limits);
}

void check_error(const Bytes& vector, const Sense& expected,
                 const CopyManagerLimits& limits = {}) {
  auto decoded = decode(vector, limits);
  INFO(show(vector));
  REQUIRE_FALSE(decoded.has_value());
  INFO(xg::scsi::describe(decoded.error()));
  CHECK(decoded.error() == expected);
  CHECK(xg::test::fixed_sense_hex(decoded.error()) == xg::test::fixed_sense_hex(expected));
}

}  // namespace

TEST_CASE("LID4: 48-byte header + E4h + 02h decodes and re-encodes byte-exactly "
          "(SPC-4 6.4.2)", "[scsi][xcopy][lid4]") {
  const Bytes v = hex(kLid4);
  auto decoded = decode(v);
  if (!decoded) FAIL(xg::scsi::describe(decoded.error()));
  CHECK(*decoded == lid4_list());
  CHECK(show(xg::scsi::encode_extended_copy(lid4_list())) == show(v));
}

TEST_CASE("LID4: IMMED and G_SENSE decode alone, list ID is 32 bits", "[scsi][xcopy][lid4]") {
  ExtendedCopyList l = lid4_list();
  l.list_identifier = 0xA1B2C3D4;
  l.immed = true;
  auto immed = decode(xg::scsi::encode_extended_copy(l));
  REQUIRE(immed.has_value());
  CHECK(*immed == l);
  CHECK(xg::scsi::encode_extended_copy(l)[15] == 0x01);
  l.immed = false;
  l.g_sense = true;
  const Bytes g = xg::scsi::encode_extended_copy(l);
  CHECK(show(Bytes(g.begin() + 15, g.begin() + 24)) == show(hex("02 FF 000000 A1B2C3D4")));
  auto g_sense = decode(g);
  REQUIRE(g_sense.has_value());
  CHECK(*g_sense == l);
}

TEST_CASE("LID4: LIST FORMAT != 01h, HEADER CSCD DESCRIPTOR LIST LENGTH != 0020h, header type "
          "!= FFh -> 26/00 at the field", "[scsi][xcopy][lid4][malformed]") {
  const Bytes v = hex(kLid4);
  check_error(with_byte(v, 0, 0x00), Sense::invalid_field_in_param_list(FieldRef::param(0)));
  check_error(with_byte(v, 0, 0x02), Sense::invalid_field_in_param_list(FieldRef::param(0)));
  check_error(with_byte(v, 3, 0x40), Sense::invalid_field_in_param_list(FieldRef::param(2)));
  check_error(with_byte(v, 2, 0x01), Sense::invalid_field_in_param_list(FieldRef::param(2)));
  check_error(with_byte(v, 16, 0xE4), Sense::invalid_field_in_param_list(FieldRef::param(16)));
}

TEST_CASE("LID4: IMMED with G_SENSE or with LIST ID USAGE 11b -> 26/00 at IMMED (byte 15 bit 0, "
          "SPC-4 6.4.3.3 says 24/00, see xcopy_params.cc)", "[scsi][xcopy][lid4][malformed]") {
  const Bytes v = hex(kLid4);
  check_error(with_byte(v, 15, 0x03), Sense::invalid_field_in_param_list(FieldRef::param(15, 0)));
  Bytes no_id = with_byte(with_byte(v, 1, 0x18), 23, 0x00);
  no_id = with_byte(no_id, 22, 0x00);
  REQUIRE(decode(no_id).has_value());  // 11b with list ID 0 alone is fine
  check_error(with_byte(no_id, 15, 0x01),
              Sense::invalid_field_in_param_list(FieldRef::param(15, 0)));
}

TEST_CASE("LID4: LIST ID USAGE 01b -> 26/00 byte 1 bit 4, 11b with list ID 257 -> 26/00 at "
          "byte 20 (SPC-4 6.4.3.2)", "[scsi][xcopy][lid4][malformed]") {
  const Bytes v = hex(kLid4);
  check_error(with_byte(v, 1, 0x08), Sense::invalid_field_in_param_list(FieldRef::param(1, 4)));
  check_error(with_byte(v, 1, 0x18), Sense::invalid_field_in_param_list(FieldRef::param(20)));
}

TEST_CASE("LID4: truncated at every length -> 1A/00 at the 2-byte length that no longer fits",
          "[scsi][xcopy][lid4][malformed]") {
  const Bytes v = hex(kLid4);
  for (std::size_t n = 0; n < v.size(); ++n) {
    std::optional<FieldRef> at;
    if (n >= 48) at = FieldRef::param(n < 80 ? 42 : 44);
    INFO("length " << n);
    check_error(xg::test::truncated(v, n), Sense::param_list_length_error(at));
  }
}

TEST_CASE("LID4: counts, inline data and descriptor errors point at LID4 offsets",
          "[scsi][xcopy][lid4][malformed]") {
  const Bytes v = hex(kLid4);
  check_error(with_byte(v, 48, 0xE0),
              Sense::unsupported_target_descriptor_type(FieldRef::param(48)));
  check_error(with_byte(v, 80, 0x03),
              Sense::unsupported_segment_descriptor_type(FieldRef::param(80)));
  check_error(with_byte(v, 83, 0x1C), Sense::param_list_length_error(FieldRef::param(82)));
  ExtendedCopyList l = lid4_list();
  l.inline_data = {1, 2};
  check_error(xg::scsi::encode_extended_copy(l),
              Sense::inline_data_length_exceeded(FieldRef::param(46)));
  CopyManagerLimits one;
  one.max_cscd_descriptors = 0;
  check_error(v, Sense::too_many_target_descriptors(FieldRef::param(48)), one);
  one = {};
  one.max_segment_descriptors = 0;
  check_error(v, Sense::too_many_segment_descriptors(FieldRef::param(80)), one);
}

TEST_CASE("LID4: 02h with DESCRIPTOR LENGTH 0014h -> 26/00 at byte 82 whatever the 4 bytes it "
          "leaves over (SPC-4 6.4.6.5, table 156)", "[scsi][xcopy][lid4][malformed]") {
  const Bytes v = with_byte(hex(kLid4), 83, 0x14);  // DESCRIPTOR LENGTH 20: 02h needs 0018h
  const Sense at_length = Sense::invalid_field_in_param_list(FieldRef::param(82));
  CopyManagerLimits one_segment;
  one_segment.max_segment_descriptors = 1;
  // Bytes 104-107 are left over by length 20; as a header they would be another descriptor.
  for (const char* rest : {"00 00 10 00", "00 00 00 00", "02 00 00 FF", "FF FF FF FF"}) {
    INFO("left over: " << rest);
    Bytes mutated = v;
    const Bytes tail = hex(rest);
    std::copy(tail.begin(), tail.end(), mutated.end() - 4);
    check_error(mutated, at_length);
    check_error(mutated, at_length, one_segment);
  }
  // Every wrong length that still fits the 28-byte segment list, left-over bytes FFh.
  for (std::uint8_t length = 0; length <= 24; ++length) {
    if (length == 0x18) continue;
    INFO("DESCRIPTOR LENGTH " << int{length});
    Bytes mutated = with_byte(hex(kLid4), 83, length);
    std::fill(mutated.begin() + 84 + length, mutated.end(), std::uint8_t{0xFF});
    check_error(mutated, at_length);
  }
}

TEST_CASE("LID4: 0Ah, 16h and BFh with a wrong DESCRIPTOR LENGTH -> 26/00 at their byte 2, the "
          "next segment untouched (SPC-4 6.4.6.9, 6.4.6.18, 6.4.6.20)",
          "[scsi][xcopy][lid4][malformed]") {
  CopyManagerLimits wide;
  wide.implemented_descriptor_types = {0x02, 0x0A, 0x16, 0xBE, 0xBF, 0xE4};
  const Bytes header = xg::test::truncated(hex(kLid4), 80);  // header + CSCD, lengths patched
  for (const char* segment : {
           "0A 00 0018 0000 0000 00001000 0000000000000000 0000000000000010 0000 00FF",
           "16 00 0014 0000 0000 0000000000000000 0000000000000010 00000008",
           "BF 00 000C FFFF 0000 0000000000000010 00000008",
       }) {
    INFO(segment);
    Bytes v = xg::test::concat({header, hex(segment),
                                hex("02 00 0018 0000 0000 0000 0100 0000000000000000 "
                                    "0000000000001000")});
    const std::size_t segment_list = v.size() - 80;
    v[44] = static_cast<std::uint8_t>(segment_list >> 8);
    v[45] = static_cast<std::uint8_t>(segment_list);
    check_error(v, Sense::invalid_field_in_param_list(FieldRef::param(82)), wide);
  }
}
