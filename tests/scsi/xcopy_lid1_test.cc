// EXTENDED COPY(LID1) parameter lists (SPC-4 r37 6.5): byte-exact vectors from the clients
// (ESXi, QEMU block/iscsi.c, sg_xcopy, ddpt), libiscsi iscsi-test-cu ExtendedCopy cases,
// truncation and mutation.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

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

namespace {

// ESXi VAAI Full Copy; same bytes as examples/esxi-xcopy-lid1.hex.
const char* const kEsxi = R"(
  05 00 0040 00000000 0000001C 00000000  // list ID 05h, usage 00b; CSCD 64, segment 28, inline 0
  E4 00 0000  01 03 00 10                // byte 16: E4h, PDT 0; binary, LU, NAA, length 16
  60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 01  00000000  // NAA 6h + padding
  00 000200                              // PAD=0, DISK BLOCK LENGTH 512
  E4 00 0000  01 03 00 10                // byte 48: destination CSCD
  60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 02  00000000
  00 000200
  02 00 0018 0000 0001                   // byte 80: 02h, DC=CAT=0, length 24, src 0, dst 1
  0000 2000                              // reserved, NUMBER OF BLOCKS 8192
  0000000000001000                       // SOURCE LBA 4096
  0000000000200000                       // DESTINATION LBA 200000h
)";

Designator naa(std::uint8_t last) {
  Designator d;
  d.value = hex("60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5");
  d.value.push_back(last);
  return d;
}

CscdDescriptor e4(std::size_t offset, Designator d, std::uint32_t block_length,
                  bool pad = false) {
  CscdDescriptor c;
  c.offset = offset;
  c.body = IdentificationCscd{std::move(d)};
  c.device_parameters = BlockDeviceParameters{pad, block_length};
  return c;
}

SegmentDescriptor b2b(std::size_t offset, std::uint16_t index, std::uint16_t src,
                      std::uint16_t dst, std::uint16_t blocks, std::uint64_t src_lba,
                      std::uint64_t dst_lba) {
  SegmentDescriptor s;
  s.offset = offset;
  s.index = index;
  s.source_cscd_descriptor_id = src;
  s.destination_cscd_descriptor_id = dst;
  s.body = BlockToBlock{blocks, src_lba, dst_lba};
  return s;
}

ExtendedCopyList esxi_list() {
  ExtendedCopyList l;
  l.list_identifier = 0x05;
  l.cscds = {e4(16, naa(0x01), 512), e4(48, naa(0x02), 512)};
  l.segments = {b2b(80, 0, 0, 1, 8192, 0x1000, 0x200000)};
  return l;
}

xg::scsi::Result<ExtendedCopyList> decode(const Bytes& b, const CopyManagerLimits& limits = {}) {
  return xg::scsi::decode_extended_copy(b, ListIdFormat::kLid1, limits);
}

// Both directions: the vector decodes to `expected`, and `expected` encodes to the vector.
void check_both_directions(const Bytes& vector, const ExtendedCopyList& expected,
                           const CopyManagerLimits& limits = {}) {
  auto decoded = decode(vector, limits);
  INFO(show(vector));
  if (!decoded) FAIL(xg::scsi::describe(decoded.error()));
  CHECK(*decoded == expected);
  CHECK(show(xg::scsi::encode_extended_copy(expected)) == show(vector));
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

// libiscsi's single-CSCD list (test_extendedcopy_*.c): E4h + N x 02h of 2048 blocks.
ExtendedCopyList libiscsi_list(std::uint8_t list_id, std::size_t cscds, std::size_t segments) {
  ExtendedCopyList l;
  l.list_identifier = list_id;
  for (std::size_t i = 0; i < cscds; ++i) l.cscds.push_back(e4(16 + 32 * i, naa(0x07), 512));
  for (std::size_t i = 0; i < segments; ++i) {
    l.segments.push_back(b2b(16 + 32 * cscds + 28 * i, static_cast<std::uint16_t>(i), 0, 0,
                             2048, 0, 0x20000 - 2048));
  }
  return l;
}

}  // namespace

TEST_CASE("LID1: ESXi list (two E4h NAA-6 CSCDs, one 02h of 8192 blocks) decodes and "
          "re-encodes byte-exactly (SPC-4 6.5)", "[scsi][xcopy][lid1]") {
  check_both_directions(hex(kEsxi), esxi_list());
}

TEST_CASE("LID1: QEMU block/iscsi.c list: ID 1, usage 10b, CSCDs from VPD 83h, 02h to the "
          "destination", "[scsi][xcopy][lid1]") {
  const Bytes v = hex(R"(
    01           // LIST IDENTIFIER 1 (QEMU reuses it for every command)
    10           // STR=0, LIST ID USAGE=10b (discard), PRIORITY=0
    0040 00000000 0000001C 00000000
    E4 00 0000   // desc[1] = 0: PDT 0
    01 03 00 10  // desc[4] = code set, desc[5] = type | association << 4, desc[7] = length
    60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 0A  00000000
    00 000200    // desc[28] = 0 (no PAD), block size 512
    E4 00 0000 01 03 00 10
    60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 0B  00000000
    00 000200
    02 00 0018 0000 0001 0000 FFFF   // 02h, src 0, dst 1, 65535 blocks (QEMU's cap)
    0000000000000800 0000000000010000
  )");
  ExtendedCopyList l;
  l.list_identifier = 1;
  l.list_id_usage = ListIdUsage::kDiscard;
  l.cscds = {e4(16, naa(0x0A), 512), e4(48, naa(0x0B), 512)};
  l.segments = {b2b(80, 0, 0, 1, 0xFFFF, 0x800, 0x10000)};
  check_both_directions(v, l);
}

TEST_CASE("LID1: sg_xcopy list: prio 1, usage 10b, bytes 4/5 masked 0Fh/3Fh, optional PAD",
          "[scsi][xcopy][lid1]") {
  // sg_xcopy copies the VPD 83h header and masks PROTOCOL IDENTIFIER and PIV away.
  const Bytes plain = hex(R"(
    01 11 0040 00000000 0000001C 00000000   // list ID 1, usage 10b, PRIORITY 1
    E4 00 0000 01 03 00 10                  // VPD 51 83 -> masked to 01 03
    60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 01 00000000  00 000200
    E4 00 0000 01 03 00 10
    60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 02 00000000  00 000200
    02 00 0018 0000 0001 0000 FFFF 0000000000000000 0000000000100000
  )");
  ExtendedCopyList l;
  l.list_identifier = 1;
  l.list_id_usage = ListIdUsage::kDiscard;
  l.priority = 1;
  l.cscds = {e4(16, naa(0x01), 512), e4(48, naa(0x02), 512)};
  l.segments = {b2b(80, 0, 0, 1, 0xFFFF, 0, 0x100000)};
  check_both_directions(plain, l);

  // iflag=pad,oflag=pad on 4096-byte LUs: byte 28 = 04h, DISK BLOCK LENGTH 1000h; fco=1.
  const Bytes pad = hex(R"(
    01 11 0040 00000000 0000001C 00000000
    E4 00 0000 01 03 00 10
    60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 01 00000000  04 001000  // PAD=1, 4096
    E4 00 0000 01 03 00 10
    60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 02 00000000  04 001000
    02 04 0018 0000 0001 0000 0080 0000000000000010 0000000000000020  // FCO=1, 128 blocks
  )");
  l.cscds = {e4(16, naa(0x01), 4096, true), e4(48, naa(0x02), 4096, true)};
  l.segments = {b2b(80, 0, 0, 1, 128, 0x10, 0x20)};
  l.segments[0].fco = true;
  check_both_directions(pad, l);
}

TEST_CASE("LID1: ddpt --xcopy list with dc=1 cat=1 and an EUI-64 designator",
          "[scsi][xcopy][lid1]") {
  const Bytes v = hex(R"(
    01 11 0040 00000000 0000001C 00000000
    E4 00 0000 01 02 00 08                  // binary, LU, EUI-64, length 8
    00 14 05 00 00 00 00 01  00000000 00000000 00000000  // EUI-64 + 12 bytes padding
    00 000200
    E4 00 0000 01 02 00 08
    00 14 05 00 00 00 00 02  00000000 00000000 00000000
    00 000200
    02 03 0018 0000 0001 0000 0800 0000000000000000 0000000000000800  // DC=1, CAT=1
  )");
  ExtendedCopyList l;
  l.list_identifier = 1;
  l.list_id_usage = ListIdUsage::kDiscard;
  l.priority = 1;
  l.cscds = {e4(16, Designator::eui64(0x0014050000000001ULL), 512),
             e4(48, Designator::eui64(0x0014050000000002ULL), 512)};
  l.segments = {b2b(80, 0, 0, 1, 0x800, 0, 0x800)};
  l.segments[0].dc = true;
  l.segments[0].cat = true;
  check_both_directions(v, l);
}

TEST_CASE("LID1: libiscsi Simple (one CSCD, src = dst = index 0, usage 10b) decodes",
          "[scsi][xcopy][lid1][libiscsi]") {
  const Bytes v = hex(R"(
    01 10 0020 00000000 0000001C 00000000   // list ID 1, usage 10b, one CSCD, one segment
    E4 00 0000 01 03 00 10
    60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 07 00000000  00 000200
    02 00 0018 0000 0000 0000 0800          // src 0 = dst 0, 2048 blocks
    0000000000000000 000000000001F800       // LBA 0 -> num_blocks (20000h) - 2048
  )");
  ExtendedCopyList l = libiscsi_list(1, 1, 1);
  l.list_id_usage = ListIdUsage::kDiscard;
  check_both_directions(v, l);
}

TEST_CASE("LID1: libiscsi ParamHdr: list truncated inside the CSCD or the segment -> 1A/00 "
          "(SPC-4 5.17.7.3)", "[scsi][xcopy][lid1][libiscsi]") {
  const Bytes full = xg::scsi::encode_extended_copy(libiscsi_list(1, 1, 1));
  REQUIRE(full.size() == 16 + 32 + 28);
  check_error(xg::test::truncated(full, 16 + 31),
              Sense::param_list_length_error(FieldRef::param(2)));
  check_error(xg::test::truncated(full, 16 + 32 + 27),
              Sense::param_list_length_error(FieldRef::param(8)));
}

TEST_CASE("LID1: the ESXi list truncated at every length -> 1A/00, pointer at the length "
          "that no longer fits", "[scsi][xcopy][lid1][malformed]") {
  const Bytes v = hex(kEsxi);
  for (std::size_t n = 0; n < v.size(); ++n) {
    std::optional<FieldRef> at;
    if (n >= 16) at = FieldRef::param(n < 80 ? 2 : 8);
    INFO("length " << n);
    check_error(xg::test::truncated(v, n), Sense::param_list_length_error(at));
  }
}

TEST_CASE("LID1: libiscsi DescrLimits: MAX+1 CSCDs -> 26/06, MAX+1 segments -> 26/08, "
          "pointer at the first one too many", "[scsi][xcopy][lid1][libiscsi]") {
  const CopyManagerLimits limits;  // 16 CSCDs, 64 segments
  check_error(xg::scsi::encode_extended_copy(libiscsi_list(1, 17, 1)),
              Sense::too_many_target_descriptors(FieldRef::param(16 + 16 * 32)), limits);
  check_error(xg::scsi::encode_extended_copy(libiscsi_list(2, 1, 65)),
              Sense::too_many_segment_descriptors(FieldRef::param(16 + 32 + 64 * 28)), limits);
  // Exactly at the limits is fine.
  CHECK(decode(xg::scsi::encode_extended_copy(libiscsi_list(3, 16, 64))).has_value());
}

TEST_CASE("LID1: libiscsi DescrLimits (c): lists over MAXIMUM DESCRIPTOR LIST LENGTH -> 1A/00 "
          "before the counts (what libiscsi expects)", "[scsi][xcopy][lid1][libiscsi]") {
  CopyManagerLimits limits;
  limits.max_cscd_descriptors = 2;
  limits.max_segment_descriptors = 1;
  limits.max_descriptor_list_length = 3 * 32 + 1 * 28;  // just fits cases (a) and (b)
  check_error(xg::scsi::encode_extended_copy(libiscsi_list(1, 3, 1)),
              Sense::too_many_target_descriptors(FieldRef::param(16 + 64)), limits);
  check_error(xg::scsi::encode_extended_copy(libiscsi_list(2, 1, 2)),
              Sense::too_many_segment_descriptors(FieldRef::param(16 + 32 + 28)), limits);
  check_error(xg::scsi::encode_extended_copy(libiscsi_list(3, 3, 2)),
              Sense::param_list_length_error(FieldRef::param(8)), limits);
  limits.max_descriptor_list_length = 63;  // the CSCD list alone crosses it
  check_error(xg::scsi::encode_extended_copy(libiscsi_list(3, 2, 1)),
              Sense::param_list_length_error(FieldRef::param(2)), limits);
}

TEST_CASE("LID1: libiscsi DescrType: CSCD E0h -> 26/07, segment 03h -> 26/09, pointer at the "
          "type byte", "[scsi][xcopy][lid1][libiscsi]") {
  check_error(hex(R"(
    01 00 0020 00000000 0000001C 00000000
    E0 00 0000 00000000 00000000 00000000 00000000 00000000 00000000  00 000200  // FC N_Port_Name
    02 00 0018 0000 0000 0000 0800 0000000000000000 000000000001F800
  )"), Sense::unsupported_target_descriptor_type(FieldRef::param(16)));
  check_error(hex(R"(
    01 00 0020 00000000 00000014 00000000   // segment list 20 bytes
    E4 00 0000 01 03 00 10 60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 07 00000000 00 000200
    03 00 0010 0000 0000 00000000 00000000 00000000  // 03h stream -> stream, 20 bytes
  )"), Sense::unsupported_segment_descriptor_type(FieldRef::param(48)));
}

TEST_CASE("LID1: libiscsi ValidTgtDescr: LU ID TYPE 10b is ignored for E4h (SPC-4 6.4.5.6), "
          "NUL is recorded for the copy manager", "[scsi][xcopy][lid1][libiscsi]") {
  Bytes v = xg::scsi::encode_extended_copy(libiscsi_list(1, 1, 1));
  auto lu_id = decode(xg::test::with_byte(v, 17, 0x80));
  REQUIRE(lu_id.has_value());
  CHECK(lu_id->cscds[0].lu_id_type == 2);
  auto nul = decode(xg::test::with_byte(v, 17, 0x20));
  REQUIRE(nul.has_value());
  CHECK(nul->cscds[0].nul);
  CHECK(xg::scsi::encode_extended_copy(*nul) == xg::test::with_byte(v, 17, 0x20));
}

TEST_CASE("LID1: libiscsi ValidSegDescr: destination index 1 with one CSCD decodes, the copy "
          "manager reports COPY ABORTED later", "[scsi][xcopy][lid1][libiscsi]") {
  ExtendedCopyList l = libiscsi_list(1, 1, 1);
  l.segments[0].destination_cscd_descriptor_id = 1;
  l.segments.push_back(b2b(16 + 32 + 28, 1, 0, 0, 2048, 0, 0x20000 - 1));  // past the end
  check_both_directions(xg::scsi::encode_extended_copy(l), l);
}

TEST_CASE("LID1: LIST ID USAGE 01b -> 26/00 bit 4 of byte 1, 11b needs SNLID and list ID 0 "
          "(SPC-4 6.4.3.2)", "[scsi][xcopy][lid1][malformed]") {
  const Bytes v = hex(kEsxi);  // list ID 05h
  check_error(xg::test::with_byte(v, 1, 0x08),
              Sense::invalid_field_in_param_list(FieldRef::param(1, 4)));
  check_error(xg::test::with_byte(v, 1, 0x18),
              Sense::invalid_field_in_param_list(FieldRef::param(0)));
  const Bytes no_id = xg::test::with_byte(xg::test::with_byte(v, 1, 0x18), 0, 0x00);
  auto ok = decode(no_id);
  REQUIRE(ok.has_value());
  CHECK(ok->list_id_usage == ListIdUsage::kNoListId);
  CopyManagerLimits no_snlid;
  no_snlid.snlid = false;
  check_error(no_id, Sense::invalid_field_in_param_list(FieldRef::param(1, 4)), no_snlid);
}

TEST_CASE("LID1: inline data over MAXIMUM INLINE DATA LENGTH -> 26/0B at INLINE DATA LENGTH, "
          "within it, the bytes are kept", "[scsi][xcopy][lid1]") {
  ExtendedCopyList l = esxi_list();
  l.inline_data = {0xDE, 0xAD, 0xBE, 0xEF};
  const Bytes v = xg::scsi::encode_extended_copy(l);
  CHECK(show(xg::test::truncated(v, 16)) == show(hex("05 00 0040 00000000 0000001C 00000004")));
  check_error(v, Sense::inline_data_length_exceeded(FieldRef::param(12)));
  CopyManagerLimits limits;
  limits.max_inline_data_length = 4;
  check_both_directions(v, l, limits);
}

TEST_CASE("LID1: empty CSCD and segment lists decode (zero work is legal, SPC-4 "
          "6.4.6.5), trailing bytes after the inline data are ignored", "[scsi][xcopy][lid1]") {
  ExtendedCopyList empty;
  empty.list_identifier = 9;
  check_both_directions(hex("09 00 0000 00000000 00000000 00000000"), empty);
  auto trailing = decode(hex("09 00 0000 00000000 00000000 00000000 FF FF"));
  REQUIRE(trailing.has_value());
  CHECK(*trailing == empty);
}

TEST_CASE("LID1: CSCD list walked by type: a 64-byte EAh consumes two slots, a partial CSCD "
          "-> 1A/00 at its first byte", "[scsi][xcopy][lid1][malformed]") {
  const Bytes v = hex(kEsxi);
  // EAh (IPv6) at byte 16 spans the whole 64-byte CSCD list: one descriptor, refused 26/07.
  check_error(xg::test::with_byte(v, 16, 0xEA),
              Sense::unsupported_target_descriptor_type(FieldRef::param(16)));
  // EAh at byte 48 would need bytes 48-111 but the CSCD list ends at 79.
  check_error(xg::test::with_byte(v, 48, 0xEA),
              Sense::param_list_length_error(FieldRef::param(48)));
  // CSCD DESCRIPTOR LIST LENGTH 40 (not a multiple of 32): 8 stray bytes at 48.
  Bytes odd = hex(R"(
    05 00 0028 00000000 00000000 00000000
    E4 00 0000 01 03 00 10 60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 01 00000000 00 000200
    E4 00 0000 01 03 00 10
  )");
  check_error(odd, Sense::param_list_length_error(FieldRef::param(48)));
}

TEST_CASE("LID1: segment walk: header or DESCRIPTOR LENGTH past the segment list -> 1A/00",
          "[scsi][xcopy][lid1][malformed]") {
  const Bytes v = hex(kEsxi);
  // SEGMENT DESCRIPTOR LIST LENGTH 27: the 28-byte 02h overruns; pointer at its length.
  check_error(xg::test::truncated(xg::test::with_byte(v, 11, 0x1B), 107),
              Sense::param_list_length_error(FieldRef::param(82)));
  // Segment list of 3 bytes: not even a header.
  check_error(hex("05 00 0000 00000000 00000003 00000000 02 00 00"),
              Sense::param_list_length_error(FieldRef::param(16)));
}

namespace {

struct Mutation {
  std::size_t at;
  std::uint8_t value;
  std::optional<Sense> expected;  // nullopt: still decodes
  const char* rule;
  bool reserved = false;  // a reserved field: decodes, re-encodes as zero
};

}  // namespace

TEST_CASE("LID1: single-byte mutations of the ESXi list give exact sense (SPC-4 5.17.7.3, "
          "6.4.3)", "[scsi][xcopy][lid1][malformed]") {
  using S = Sense;
  const auto p = [](std::size_t byte, std::optional<std::uint8_t> bit = std::nullopt) {
    return FieldRef::param(byte, bit);
  };
  const std::vector<Mutation> table = {
      {1, 0x08, S::invalid_field_in_param_list(p(1, 4)), "LIST ID USAGE 01b reserved"},
      {1, 0x18, S::invalid_field_in_param_list(p(0)), "usage 11b with list ID 05h"},
      {1, 0x27, std::nullopt, "STR=1, PRIORITY=7 are hints"},
      {1, 0xC0, std::nullopt, "reserved bits b7:6 not checked", true},
      {3, 0x60, S::param_list_length_error(p(2)), "CSCD list 96 runs past the list"},
      {3, 0x41, S::param_list_length_error(p(8)), "CSCD 65 pushes segments past the end"},
      {3, 0x20, S::unsupported_segment_descriptor_type(p(48)),
       "CSCD list 32: CSCD 1 is read as segments, E4h is no segment type"},
      {5, 0x01, std::nullopt, "reserved bytes 4-7 not checked", true},
      {22, 0x01, std::nullopt, "E4h byte 6 reserved, not checked", true},
      {40, 0x01, std::nullopt, "designator padding not checked", true},
      {44, 0xFB, std::nullopt, "byte 28 reserved bits not checked, PAD=0", true},
      {88, 0x01, std::nullopt, "02h bytes 8-9 reserved, not checked", true},
      {11, 0x1D, S::param_list_length_error(p(8)), "segment list 29 past the end"},
      {15, 0x01, S::param_list_length_error(p(12)), "inline data past the end"},
      {16, 0xE0, S::unsupported_target_descriptor_type(p(16)), "E0h FC N_Port_Name"},
      {16, 0xFE, S::unsupported_target_descriptor_type(p(16)), "FEh not in default limits"},
      {16, 0xFF, S::unsupported_target_descriptor_type(p(16)), "FFh not a CSCD"},
      {48, 0x02, S::unsupported_target_descriptor_type(p(48)), "segment code in CSCD list"},
      {17, 0x01, S::invalid_field_in_param_list(p(17, 4)), "PDT 01h (stream)"},
      {17, 0x80, std::nullopt, "LU ID TYPE 10b ignored for E4h"},
      {17, 0x20, std::nullopt, "NUL recorded, aborted later"},
      {18, 0x01, std::nullopt, "RELATIVE INITIATOR PORT IDENTIFIER recorded"},
      {20, 0x00, S::invalid_field_in_param_list(p(20, 3)), "CODE SET 0 reserved"},
      {20, 0x51, std::nullopt, "PROTOCOL IDENTIFIER kept (clients may not mask it)"},
      {21, 0x13, S::invalid_field_in_param_list(p(21, 5)), "ASSOCIATION target port"},
      {21, 0x33, S::invalid_field_in_param_list(p(21, 5)), "ASSOCIATION 11b reserved"},
      {21, 0x83, std::nullopt, "PIV kept"},
      {23, 0x15, S::invalid_field_in_param_list(p(23)), "DESIGNATOR LENGTH 21 > 20"},
      {23, 0xFF, S::invalid_field_in_param_list(p(23)), "DESIGNATOR LENGTH 255"},
      {23, 0x14, std::nullopt, "DESIGNATOR LENGTH 20 takes the padding"},
      {44, 0x04, std::nullopt, "PAD=1"},
      {80, 0x03, S::unsupported_segment_descriptor_type(p(80)), "03h stream -> stream"},
      {80, 0x0A, S::unsupported_segment_descriptor_type(p(80)), "0Ah not in default limits"},
      {80, 0xC0, S::unsupported_segment_descriptor_type(p(80)), "C0h vendor specific"},
      {80, 0xE4, S::unsupported_segment_descriptor_type(p(80)), "E4h is a CSCD code"},
      {81, 0x07, std::nullopt, "FCO, DC, CAT recorded"},
      {83, 0x14, S::invalid_field_in_param_list(p(82)), "02h DESCRIPTOR LENGTH 20"},
      {83, 0x1C, S::param_list_length_error(p(82)), "DESCRIPTOR LENGTH 28 past the list"},
      {85, 0x05, std::nullopt, "CSCD index 5 not checked here"},
      {84, 0xFF, std::nullopt, "CSCD ID FF00h not checked here"},
      {107, 0xFF, std::nullopt, "LBA not range-checked here"},
  };
  const Bytes v = hex(kEsxi);
  for (const auto& m : table) {
    INFO("byte " << m.at << " = " << int{m.value} << ": " << m.rule);
    const Bytes mutated = xg::test::with_byte(v, m.at, m.value);
    if (m.expected) {
      check_error(mutated, *m.expected);
    } else {
      auto decoded = decode(mutated);
      if (!decoded) FAIL(xg::scsi::describe(decoded.error()));
      // Every field kept re-encodes to the same bytes; reserved ones come back as zero.
      const Bytes expected_bytes = m.reserved ? v : mutated;
      CHECK(show(xg::scsi::encode_extended_copy(*decoded)) == show(expected_bytes));
    }
  }
}

// A segment DESCRIPTOR LENGTH wrong for the type is refused at that descriptor (SPC-4 6.4.6,
// table 156 fixes the length of every type but 05h, 15h and BEh; 6.4.3 and 5.17.7.3: an
// invalid field in the parameter list is 26/00 with the field pointer on it). The bytes the
// wrong length leaves over are not another descriptor, so they may never be blamed instead.
TEST_CASE("LID1: 02h with DESCRIPTOR LENGTH 0014h -> 26/00 at byte 82 whatever the 4 bytes "
          "it leaves over (SPC-4 6.4.6.5)", "[scsi][xcopy][lid1][malformed]") {
  const char* const kShort = R"(
    05 00 0040 00000000 0000001C 00000000  // list ID 05h; CSCD 64, segment 28, inline 0
    E4 00 0000  01 03 00 10                // byte 16: CSCD 0
    60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 01  00000000  00 000200
    E4 00 0000  01 03 00 10                // byte 48: CSCD 1
    60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 02  00000000  00 000200
    02           // byte 80     DESCRIPTOR TYPE CODE 02h block -> block
    00           // byte 81     DC=0, CAT=0
    00 14        // bytes 82-83 DESCRIPTOR LENGTH 20: wrong, 02h needs 0018h
    0000 0001    // bytes 84-87 source CSCD 0, destination CSCD 1
    0000 2000    // bytes 88-91 reserved, NUMBER OF BLOCKS 8192
    0000000000001000  // bytes 92-99 SOURCE LBA
    00000000     // bytes 100-103 first half of the DESTINATION LBA
    02 00 00 FF  // bytes 104-107 left over by length 20: would read as 02h of length 255
  )";
  const Sense at_length = Sense::invalid_field_in_param_list(FieldRef::param(82));
  REQUIRE(xg::test::fixed_sense_hex(at_length) ==
          xg::test::fixed_sense_hex(Sense::illegal_request(0x26, 0x00, FieldRef::param(82))));
  check_error(hex(kShort), at_length);
  // Left-over bytes reading as a 4-byte descriptor: a count over the limit is not the error.
  CopyManagerLimits one_segment;
  one_segment.max_segment_descriptors = 1;
  for (const char* rest : {"00 00 00 00", "02 00 00 00", "FF FF FF FF", "02 00 00 FF"}) {
    INFO("left over: " << rest);
    Bytes v = hex(kShort);
    const Bytes tail = hex(rest);
    std::copy(tail.begin(), tail.end(), v.end() - 4);
    check_error(v, at_length);
    check_error(v, at_length, one_segment);
  }
}

TEST_CASE("LID1: 02h with DESCRIPTOR LENGTH 001Ch before a second segment -> 26/00 at the "
          "first one's byte 82, not in the second", "[scsi][xcopy][lid1][malformed]") {
  check_error(hex(R"(
    05 00 0020 00000000 00000038 00000000  // one CSCD, segment list 56 (two 02h)
    E4 00 0000 01 03 00 10 60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 07 00000000 00 000200
    02 00 001C 0000 0000    // byte 48: segment 0, DESCRIPTOR LENGTH 28: wrong (0018h)
    0000 0800 0000000000000000 0000000000000800
    02 00 0018 0000 0000    // byte 76: segment 1, well formed
    0000 0800 0000000000000800 0000000000001000
  )"), Sense::invalid_field_in_param_list(FieldRef::param(50)));
  // The second of two is the wrong one: pointer at its length, byte 76 + 2.
  check_error(hex(R"(
    05 00 0020 00000000 00000038 00000000
    E4 00 0000 01 03 00 10 60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 07 00000000 00 000200
    02 00 0018 0000 0000 0000 0800 0000000000000000 0000000000000800  // byte 48: segment 0
    02 00 0010 0000 0000    // byte 76: segment 1, DESCRIPTOR LENGTH 16: wrong (0018h)
    0000 0800 0000000000000800 01 02 03 04 05 06 07 08  // 8 bytes left over
  )"), Sense::invalid_field_in_param_list(FieldRef::param(78)));
}

namespace {

// LID1 header with no CSCDs and a segment list of `segment_list` bytes: one descriptor
// header (type, flags 00h, DESCRIPTOR LENGTH) at byte 16, every later byte `fill`.
Bytes lid1_one_descriptor(std::uint8_t type_code, std::uint16_t descriptor_length,
                          std::size_t segment_list, std::uint8_t fill) {
  Bytes v = hex("07 00 0000 00000000 00000000 00000000");
  v[8] = static_cast<std::uint8_t>(segment_list >> 24);
  v[9] = static_cast<std::uint8_t>(segment_list >> 16);
  v[10] = static_cast<std::uint8_t>(segment_list >> 8);
  v[11] = static_cast<std::uint8_t>(segment_list);
  v.push_back(type_code);
  v.push_back(0x00);
  v.push_back(static_cast<std::uint8_t>(descriptor_length >> 8));
  v.push_back(static_cast<std::uint8_t>(descriptor_length));
  v.resize(16 + segment_list, fill);
  return v;
}

}  // namespace

TEST_CASE("LID1: every fixed-length segment type, every wrong DESCRIPTOR LENGTH, any bytes "
          "after it -> refused at that descriptor (SPC-4 6.4.6, table 156)",
          "[scsi][xcopy][lid1][malformed]") {
  CopyManagerLimits wide;  // every type this decoder reads
  wide.implemented_descriptor_types = {0x02, 0x0A, 0x16, 0xBE, 0xBF, 0xE4};
  constexpr std::size_t kSegmentList = 64;
  constexpr std::size_t kAt = 16;  // the descriptor's type byte
  int checked = 0;
  for (unsigned code = 0; code <= 0xFF; ++code) {
    const auto type_code = static_cast<std::uint8_t>(code);
    const auto fixed = xg::scsi::segment_descriptor_length(type_code);
    if (!fixed) continue;  // variable (05h, 15h, 17h, 18h, BEh) or no segment type at all
    for (std::uint16_t length = 0; length <= kSegmentList; ++length) {
      if (length == *fixed) continue;
      for (std::uint8_t fill : {0x00, 0x02, 0xFF}) {
        INFO("type " << code << ", DESCRIPTOR LENGTH " << length << ", fill " << int{fill});
        const Bytes v = lid1_one_descriptor(type_code, length, kSegmentList, fill);
        // Past the segment list the length is a length error (1A/00), still at byte 2.
        const bool fits = xg::scsi::kSegmentHeaderLength + length <= kSegmentList;
        const FieldRef at_length = FieldRef::param(kAt + 2);
        const Sense wrong_length = fits ? Sense::invalid_field_in_param_list(at_length)
                                        : Sense::param_list_length_error(at_length);
        const bool decoded_here = type_code == 0x02 || type_code == 0x0A ||
                                  type_code == 0x16 || type_code == 0xBF;
        // A type not implemented is refused at its type byte before its length is read.
        check_error(v, decoded_here || !fits ? wrong_length
                                             : Sense::unsupported_segment_descriptor_type(
                                                   FieldRef::param(kAt)),
                    wide);
        if (type_code != 0x02) {
          check_error(v, fits ? Sense::unsupported_segment_descriptor_type(FieldRef::param(kAt))
                              : wrong_length);
        } else {
          check_error(v, wrong_length);
        }
        ++checked;
      }
    }
  }
  CHECK(checked == 22 * 64 * 3);  // 22 types with a fixed length
}

TEST_CASE("LID1: BEh DESCRIPTOR LENGTH under 12 or disagreeing with RANGE DESCRIPTORS LENGTH "
          "-> 26/00 at that descriptor whatever follows (SPC-4 6.4.6.19)",
          "[scsi][xcopy][lid1][malformed]") {
  CopyManagerLimits wide;
  wide.implemented_descriptor_types = {0x02, 0x0A, 0x16, 0xBE, 0xBF, 0xE4};
  check_error(hex(R"(
    07 00 0000 00000000 00000020 00000000  // segment list 32
    BE 00 0008   // byte 16: BEh, DESCRIPTOR LENGTH 8: under the 12 fixed bytes
    FFFF FFFF    // bytes 20-23 CSCD IDs
    FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF  // left over
  )"), Sense::invalid_field_in_param_list(FieldRef::param(18)), wide);
  check_error(hex(R"(
    07 00 0000 00000000 00000030 00000000  // segment list 48
    BE 00 0014   // byte 16: BEh, DESCRIPTOR LENGTH 20 = 12 + 8: half a range descriptor
    FFFF 0000    // bytes 20-23 CSCD IDs
    0000000000   // bytes 24-28 reserved
    01           // byte 29 RANGE DESCRIPTOR TYPE 01h
    0008         // bytes 30-31 RANGE DESCRIPTORS LENGTH 8: not a multiple of 16
    0000000000000001  // bytes 32-39
    FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF  // left over
  )"), Sense::invalid_field_in_param_list(FieldRef::param(30)), wide);
}

TEST_CASE("LID1: a CSCD type code whose size SPC-4 does not give -> 26/07 at it, the bytes "
          "after it are not a partial CSCD (SPC-4 6.4.5.1)", "[scsi][xcopy][lid1][malformed]") {
  const char* const kReservedThenStray = R"(
    05 00 0028 00000000 00000000 00000000  // CSCD DESCRIPTOR LIST LENGTH 40, no segments
    EC           // byte 16: DESCRIPTOR TYPE CODE ECh, reserved: its size is unknown
    00 0000 01 03 00 10 60 01 40 5A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 01 00000000 00 000200
    E4 00 0000 01 03 00 10  // bytes 48-55: would be a partial CSCD if ECh were 32 bytes
  )";
  check_error(hex(kReservedThenStray),
              Sense::unsupported_target_descriptor_type(FieldRef::param(16)));
  check_error(xg::test::with_byte(hex(kReservedThenStray), 16, 0xFF),
              Sense::unsupported_target_descriptor_type(FieldRef::param(16)));
  check_error(xg::test::with_byte(hex(kReservedThenStray), 16, 0x02),
              Sense::unsupported_target_descriptor_type(FieldRef::param(16)));
  // E0h is 32 bytes (SPC-4 6.4.5.1), so the 8 bytes at 48 are a CSCD cut short: 1A/00.
  check_error(xg::test::with_byte(hex(kReservedThenStray), 16, 0xE0),
              Sense::param_list_length_error(FieldRef::param(48)));
  // An unknown size ends the count too: ECh then 16 well-formed CSCDs is not 26/06.
  Bytes many = hex("05 00 0220 00000000 00000000 00000000");  // CSCD list 17 x 32
  const Bytes ec = xg::test::with_byte(xg::test::truncated(hex(kReservedThenStray), 48), 16, 0xEC);
  many.insert(many.end(), ec.begin() + 16, ec.end());
  for (int i = 0; i < 16; ++i) {
    const Bytes e4 = xg::scsi::encode_extended_copy(libiscsi_list(1, 1, 0));
    many.insert(many.end(), e4.begin() + 16, e4.end());
  }
  REQUIRE(many.size() == 16 + 17 * 32);
  check_error(many, Sense::unsupported_target_descriptor_type(FieldRef::param(16)));
}
