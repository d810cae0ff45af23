// Segment descriptors (SPC-4 r37 6.4.6): 02h, 0Ah, 16h, BEh, BFh both directions; names,
// DESCRIPTOR LENGTH rules and refusals. Readers start at byte 80 (absolute pointers).
#include "scsi/segment.h"

#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::base::ByteReader;
using xg::base::ByteWriter;
using xg::scsi::BlockImageCopy;
using xg::scsi::BlockToBlock;
using xg::scsi::BlockToBlockWithOffset;
using xg::scsi::CopyManagerLimits;
using xg::scsi::FieldRef;
using xg::scsi::PopulateRodFromOneRange;
using xg::scsi::PopulateRodFromRanges;
using xg::scsi::SegmentDescriptor;
using xg::scsi::Sense;
using xg::test::Bytes;
using xg::test::hex;
using xg::test::show;

namespace {

constexpr std::size_t kAt = 80;

CopyManagerLimits all_types() {
  CopyManagerLimits l;
  l.implemented_descriptor_types = {0x02, 0x0A, 0x16, 0xBE, 0xBF, 0xE4, 0xFE};
  return l;
}

xg::scsi::Result<SegmentDescriptor> decode(const Bytes& b, const CopyManagerLimits& limits) {
  ByteReader r(b, kAt);
  auto out = xg::scsi::decode_segment(r, 3, limits);
  CHECK(r.ok());
  return out;
}

void check_both_directions(const Bytes& v, const SegmentDescriptor& expected) {
  auto decoded = decode(v, all_types());
  INFO(show(v));
  if (!decoded) FAIL(xg::scsi::describe(decoded.error()));
  CHECK(*decoded == expected);
  CHECK(decoded->descriptor_type_code() == v[0]);
  ByteWriter w;
  xg::scsi::encode_segment(expected, w);
  CHECK(show(w.data()) == show(v));
}

void check_error(const Bytes& v, const Sense& expected, const CopyManagerLimits& limits) {
  auto decoded = decode(v, limits);
  INFO(show(v));
  REQUIRE_FALSE(decoded.has_value());
  CHECK(decoded.error() == expected);
}

SegmentDescriptor header(std::uint16_t src, std::uint16_t dst) {
  SegmentDescriptor s;
  s.offset = kAt;
  s.index = 3;
  s.source_cscd_descriptor_id = src;
  s.destination_cscd_descriptor_id = dst;
  return s;
}

const char* const kB2b = R"(
  02 03 0018 0000 FFFF     // 02h, DC=1 CAT=1, length 24, src 0, dst FFFFh (this LU)
  0000 0000                // reserved, NUMBER OF BLOCKS 0 (a legal no-op)
  FFFFFFFFFFFFFFFF 0000000000000001
)";

}  // namespace

TEST_CASE("Segment 02h block -> block: DC, CAT, FCO, 16-bit block count, 64-bit LBAs "
          "(SPC-4 6.4.6.5)", "[scsi][xcopy][segment]") {
  SegmentDescriptor s = header(0, 0xFFFF);
  s.dc = true;
  s.cat = true;
  s.body = BlockToBlock{0, ~0ULL, 1};
  check_both_directions(hex(kB2b), s);
}

TEST_CASE("Segment 0Ah block<o> -> block<o>: 32-bit byte count and byte offsets "
          "(SPC-4 6.4.6.9)", "[scsi][xcopy][segment]") {
  SegmentDescriptor s = header(0, 1);
  s.cat = true;
  s.body = BlockToBlockWithOffset{0x10000000, 0, 0x80000, 0, 0x200};
  check_both_directions(hex(R"(
    0A 01 001C 0000 0001      // 0Ah, CAT=1, length 28
    10000000                  // NUMBER OF BYTES = 256 MiB (libiscsi Large)
    0000000000000000 0000000000080000
    0000 0200                 // SOURCE / DESTINATION BYTE OFFSET
  )"), s);
}

TEST_CASE("Segment 16h block image copy, BFh one range, BEh ranges (SPC-4 6.4.6.18-20)",
          "[scsi][xcopy][segment]") {
  SegmentDescriptor image = header(0, 1);
  image.body = BlockImageCopy{0x100, 0x200, 0x300};
  check_both_directions(hex("16 00 0018 0000 0001 0000000000000100 0000000000000200 00000300"),
                        image);

  SegmentDescriptor one = header(0xFFFF, 0);
  one.body = PopulateRodFromOneRange{0x1234, 0x800};
  check_both_directions(hex("BF 00 0010 FFFF 0000 0000000000001234 00000800"), one);

  SegmentDescriptor ranges = header(0xFFFF, 0);
  ranges.body = PopulateRodFromRanges{{{0x10, 8}, {0x100, 16}}};
  check_both_directions(hex(R"(
    BE 00 002C FFFF 0000      // length 12 + 2 x 16 = 44
    00 00 00 00 00            // reserved
    01                        // RANGE DESCRIPTOR TYPE = block device range descriptor
    0020                      // RANGE DESCRIPTORS LENGTH = 32
    0000000000000010 00000008 00000000
    0000000000000100 00000010 00000000
  )"), ranges);
  SegmentDescriptor none = header(0xFFFF, 0);
  none.body = PopulateRodFromRanges{};
  check_both_directions(hex("BE 00 000C FFFF 0000 0000000000 01 0000"), none);
}

TEST_CASE("Segment: DESCRIPTOR LENGTH wrong for the type -> 26/00 at byte 2, BEh range fields "
          "-> 26/00 at bytes 13/14", "[scsi][xcopy][segment][malformed]") {
  const auto limits = all_types();
  // 02h declaring 001Ch (it needs 0018h); the reader spans 32 bytes as the list walk gives.
  check_error(hex("02 00 001C 0000 0001 0000 0001 0000000000000000 0000000000000000 00000000"),
              Sense::invalid_field_in_param_list(FieldRef::param(kAt + 2)), limits);
  check_error(hex("0A 00 0018 0000 0001 00000001 0000000000000000 0000000000000000"),
              Sense::invalid_field_in_param_list(FieldRef::param(kAt + 2)), limits);
  check_error(hex("BF 00 0000"), Sense::invalid_field_in_param_list(FieldRef::param(kAt + 2)),
              limits);
  check_error(hex("BE 00 0008 FFFF 0000 00000000"),
              Sense::invalid_field_in_param_list(FieldRef::param(kAt + 2)), limits);
  check_error(hex("BE 00 000C FFFF 0000 0000000000 02 0000"),
              Sense::invalid_field_in_param_list(FieldRef::param(kAt + 13)), limits);
  check_error(hex("BE 00 000C FFFF 0000 0000000000 01 0010"),
              Sense::invalid_field_in_param_list(FieldRef::param(kAt + 14)), limits);
  check_error(hex("BE 00 0014 FFFF 0000 0000000000 01 0008 0000000000000001"),
              Sense::invalid_field_in_param_list(FieldRef::param(kAt + 14)), limits);
}

TEST_CASE("Segment: a type not both decodable (02h/0Ah/16h/BEh/BFh) and in the limits -> 26/09 "
          "at the type byte", "[scsi][xcopy][segment]") {
  CopyManagerLimits everything;
  everything.implemented_descriptor_types.clear();
  for (unsigned t = 0; t < 256; ++t) {
    everything.implemented_descriptor_types.push_back(static_cast<std::uint8_t>(t));
  }
  const Bytes v = hex(kB2b);
  for (unsigned t = 0; t < 256; ++t) {
    const auto code = static_cast<std::uint8_t>(t);
    if (code == 0x02 || code == 0x0A || code == 0x16 || code == 0xBE || code == 0xBF) continue;
    INFO("type " << t);
    check_error(xg::test::with_byte(v, 0, code),
                Sense::unsupported_segment_descriptor_type(FieldRef::param(kAt)), everything);
  }
  // Default limits implement only 02h (and E4h).
  for (std::uint8_t code : {0x0A, 0x16, 0xBE, 0xBF}) {
    check_error(xg::test::with_byte(v, 0, code),
                Sense::unsupported_segment_descriptor_type(FieldRef::param(kAt)),
                CopyManagerLimits{});
  }
}

TEST_CASE("Segment type names and fixed lengths follow SPC-4 table 156",
          "[scsi][xcopy][segment]") {
  CHECK(xg::scsi::segment_type_name(0x02) == "block -> block");
  CHECK(xg::scsi::segment_type_name(0x03) == "stream -> stream");
  CHECK(xg::scsi::segment_type_name(0x0A) == "block<o> -> block<o>");
  CHECK(xg::scsi::segment_type_name(0x16) == "<i>block -> <i>block");
  CHECK(xg::scsi::segment_type_name(0x20) == "reserved");
  CHECK(xg::scsi::segment_type_name(0xBE) == "populate ROD from one or more block ranges");
  CHECK(xg::scsi::segment_type_name(0xC5) == "vendor specific");
  CHECK(xg::scsi::segment_type_name(0xE4) == "not a segment descriptor type code");
  CHECK(xg::scsi::segment_descriptor_length(0x02) == 0x18);
  CHECK(xg::scsi::segment_descriptor_length(0x0A) == 0x1C);
  CHECK(xg::scsi::segment_descriptor_length(0x03) == 0x10);
  CHECK(xg::scsi::segment_descriptor_length(0xBF) == 0x10);
  CHECK_FALSE(xg::scsi::segment_descriptor_length(0xBE).has_value());
  CHECK_FALSE(xg::scsi::segment_descriptor_length(0x40).has_value());
}
