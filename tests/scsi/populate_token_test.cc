// POPULATE TOKEN parameter list (SBC-4 5.12.2; Windows classpnp, ddpt --odx): byte-exact
// client vectors both ways and every LU-independent rule of SBC-4 5.12.2 with its exact
// sense.
#include <cstdint>
#include <vector>

#include "scsi/populate_token.h"
#include "scsi/rod_token.h"
#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::scsi::BlockDeviceRangeDescriptor;
using xg::scsi::FieldRef;
using xg::scsi::PopulateTokenParams;
using xg::scsi::RodTokenLimits;
using xg::scsi::Sense;
using xg::test::Bytes;
using xg::test::hex;
using xg::test::show;

namespace {

// Windows classpnp (Windows-driver-samples storage/class/classpnp): IMMED=0, RTV=0,
// timeout 0, two ranges.
const char* const kWindows = R"(
  00 2E                    // POPULATE TOKEN DATA LENGTH = 46
  00                       // RTV=0, IMMED=0
  00                       // reserved
  00 00 00 00              // INACTIVITY TIMEOUT 0 = default
  00 00 00 00              // ROD TYPE (ignored: RTV=0)
  00 00                    // reserved
  00 20                    // BLOCK DEVICE RANGE DESCRIPTOR LENGTH = 32
  00 00 00 00 00 00 08 00  // byte 16: LOGICAL BLOCK ADDRESS 2048
  00 00 80 00              // NUMBER OF LOGICAL BLOCKS 32768
  00 00 00 00              // reserved
  00 00 00 00 00 10 00 00  // byte 32: LBA 100000h
  00 00 40 00              // 16384 blocks
  00 00 00 00
)";

// ddpt --odx rtype=pit-def ito=30 immed (ddpt's ODX mode): RTV=1, one range.
const char* const kDdptPitDef = R"(
  00 1E                    // DATA LENGTH = 30
  03                       // RTV=1, IMMED=1
  00
  00 00 00 1E              // INACTIVITY TIMEOUT 30 s
  00 80 00 00              // ROD TYPE = point in time copy - default
  00 00
  00 10                    // one descriptor
  00 00 00 00 00 00 00 00  // LBA 0
  00 00 08 00              // 2048 blocks
  00 00 00 00
)";

const std::vector<std::uint32_t> kAccepted = {xg::scsi::kRodTypeAccessUponReference,
                                              xg::scsi::kRodTypePointInTimeDefault};

PopulateTokenParams windows_params() {
  PopulateTokenParams p;
  p.ranges = {{2048, 32768}, {0x100000, 16384}};
  return p;
}

xg::scsi::Result<PopulateTokenParams> decode(const Bytes& v, const RodTokenLimits& limits = {}) {
  return xg::scsi::decode_populate_token(v, limits, kAccepted);
}

void check_both_directions(const Bytes& v, const PopulateTokenParams& expected) {
  INFO(show(v));
  auto decoded = decode(v);
  if (!decoded) FAIL(xg::scsi::describe(decoded.error()));
  CHECK(*decoded == expected);
  CHECK(show(xg::scsi::encode_populate_token(expected)) == show(v));
}

void check_error(const Bytes& v, const Sense& expected, const RodTokenLimits& limits = {}) {
  INFO(show(v));
  auto decoded = decode(v, limits);
  REQUIRE_FALSE(decoded.has_value());
  INFO(xg::scsi::describe(decoded.error()));
  CHECK(decoded.error() == expected);
  CHECK(xg::test::fixed_sense_hex(decoded.error()) == xg::test::fixed_sense_hex(expected));
}

Bytes range(std::uint64_t lba, std::uint32_t blocks) {
  xg::base::ByteWriter w;
  w.be64(lba);
  w.be32(blocks);
  w.zeros(4);
  return w.take();
}

// A POPULATE TOKEN list with `n` disjoint ranges of 8 blocks.
Bytes with_ranges(std::size_t n) {
  PopulateTokenParams p;
  for (std::size_t i = 0; i < n; ++i) p.ranges.push_back({i * 16, 8});
  return xg::scsi::encode_populate_token(p);
}

}  // namespace

TEST_CASE("PT: Windows ODX list (IMMED=0, RTV=0, 2 ranges) decodes and re-encodes "
          "byte-exactly (SBC-4 5.12.2)", "[scsi][odx][populate_token]") {
  check_both_directions(hex(kWindows), windows_params());
}

TEST_CASE("PT: ddpt rtype=pit-def (RTV=1, IMMED=1, ito=30) decodes and re-encodes",
          "[scsi][odx][populate_token]") {
  PopulateTokenParams p;
  p.rtv = true;
  p.immed = true;
  p.inactivity_timeout = 30;
  p.rod_type = xg::scsi::kRodTypePointInTimeDefault;
  p.ranges = {{0, 2048}};
  check_both_directions(hex(kDdptPitDef), p);
}

TEST_CASE("PT: PARAMETER LIST LENGTH 0..15 -> 1A/00 without a pointer (SBC-4 5.12.1)",
          "[scsi][odx][populate_token]") {
  const Bytes v = hex(kWindows);
  for (std::size_t n = 0; n < 16; ++n) {
    check_error(xg::test::truncated(v, n), Sense::param_list_length_error());
  }
  CHECK(xg::test::fixed_sense_hex(Sense::param_list_length_error()) ==
        show(hex("70 00 05 00000000 0A 00000000 1A 00 00 00 00 00")));
}

TEST_CASE("PT: the Windows list truncated at every byte: partial descriptors are ignored, "
          "none left -> 1A/00", "[scsi][odx][populate_token]") {
  const Bytes v = hex(kWindows);
  for (std::size_t n = 16; n <= v.size(); ++n) {
    INFO("size " << n);
    auto decoded = decode(xg::test::truncated(v, n));
    if (n < 32) {
      REQUIRE_FALSE(decoded.has_value());
      CHECK(decoded.error() == Sense::param_list_length_error());
    } else {
      REQUIRE(decoded.has_value());
      CHECK(decoded->ranges.size() == (n < 48 ? 1u : 2u));
      CHECK(decoded->ranges[0] == BlockDeviceRangeDescriptor{2048, 32768});
    }
  }
}

TEST_CASE("PT: POPULATE TOKEN DATA LENGTH < 1Eh -> 26/00 at byte 0 (SBC-4 5.12.2)",
          "[scsi][odx][populate_token]") {
  for (std::uint8_t length : {0x00, 0x10, 0x1D}) {
    check_error(xg::test::with_byte(hex(kWindows), 1, length),
                Sense::invalid_field_in_param_list(FieldRef::param(0)));
  }
  CHECK(xg::test::fixed_sense_hex(Sense::invalid_field_in_param_list(FieldRef::param(0))) ==
        show(hex("70 00 05 00000000 0A 00000000 26 00 00 80 00 00")));
  // 1Eh (one descriptor's worth) is the minimum that passes: only the first range is used.
  auto decoded = decode(xg::test::with_byte(hex(kWindows), 1, 0x1E));
  REQUIRE(decoded.has_value());
  CHECK(decoded->ranges.size() == 1);
}

TEST_CASE("PT: INACTIVITY TIMEOUT above MAXIMUM INACTIVITY TIMEOUT -> 26/00 at byte 4",
          "[scsi][odx][populate_token]") {
  RodTokenLimits limits;
  limits.max_inactivity_timeout_s = 600;
  Bytes v = hex(kWindows);
  v[6] = 0x02;
  v[7] = 0x58;  // 600: accepted
  REQUIRE(decode(v, limits).has_value());
  v[7] = 0x59;  // 601
  check_error(v, Sense::invalid_field_in_param_list(FieldRef::param(4)), limits);
  CHECK(xg::test::fixed_sense_hex(Sense::invalid_field_in_param_list(FieldRef::param(4))) ==
        show(hex("70 00 05 00000000 0A 00000000 26 00 00 80 00 04")));
}

TEST_CASE("PT: RTV=1 with a ROD TYPE not created here -> 26/00 at byte 8, RTV=0 ignores it",
          "[scsi][odx][populate_token]") {
  const Bytes ddpt = hex(kDdptPitDef);
  // rtype=pit-vuln (0080 0001h), pit-pers, pit-any, zero: not in kAccepted.
  for (std::uint32_t type : {0x00800001u, 0x00800002u, 0x0080FFFFu, 0xFFFF0001u}) {
    Bytes v = ddpt;
    v[8] = static_cast<std::uint8_t>(type >> 24);
    v[9] = static_cast<std::uint8_t>(type >> 16);
    v[10] = static_cast<std::uint8_t>(type >> 8);
    v[11] = static_cast<std::uint8_t>(type);
    INFO(std::hex << type);
    check_error(v, Sense::invalid_field_in_param_list(FieldRef::param(8)));
    auto no_rtv = decode(xg::test::with_byte(v, 2, 0x01));
    REQUIRE(no_rtv.has_value());
    CHECK(no_rtv->rod_type == type);
  }
  CHECK(xg::test::fixed_sense_hex(Sense::invalid_field_in_param_list(FieldRef::param(8))) ==
        show(hex("70 00 05 00000000 0A 00000000 26 00 00 80 00 08")));
}

TEST_CASE("PT: BLOCK DEVICE RANGE DESCRIPTOR LENGTH < 16 -> 26/00 at byte 14",
          "[scsi][odx][populate_token]") {
  for (std::uint8_t length : {0x00, 0x01, 0x0F}) {
    check_error(xg::test::with_byte(hex(kWindows), 15, length),
                Sense::invalid_field_in_param_list(FieldRef::param(14)));
  }
}

TEST_CASE("PT: a trailing partial descriptor is ignored (SBC-4 5.12.2)",
          "[scsi][odx][populate_token]") {
  // Range list length 40 = 2 descriptors + 8 bytes; DATA LENGTH covers all of it.
  Bytes v = xg::test::concat({hex(kWindows), hex("00 00 00 00 00 00 00 01")});
  v[1] = 0x36;
  v[15] = 0x28;
  auto decoded = decode(v);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == windows_params());
}

TEST_CASE("PT: a DATA LENGTH shorter than the range list bounds the descriptors used",
          "[scsi][odx][populate_token]") {
  auto decoded = decode(xg::test::with_byte(hex(kWindows), 1, 0x2D));  // 1 byte short
  REQUIRE(decoded.has_value());
  CHECK(decoded->ranges.size() == 1);
}

TEST_CASE("PT: more range descriptors than MAXIMUM RANGE DESCRIPTORS -> 26/08 at the first "
          "descriptor over the limit", "[scsi][odx][populate_token]") {
  RodTokenLimits limits;
  limits.max_range_descriptors = 64;  // Windows' own cap
  REQUIRE(decode(with_ranges(64), limits).has_value());
  check_error(with_ranges(65), Sense::too_many_segment_descriptors(FieldRef::param(16 + 64 * 16)),
              limits);
  limits.max_range_descriptors = 1;
  check_error(hex(kWindows), Sense::too_many_segment_descriptors(FieldRef::param(32)), limits);
  CHECK(xg::test::fixed_sense_hex(Sense::too_many_segment_descriptors(FieldRef::param(32))) ==
        show(hex("70 00 05 00000000 0A 00000000 26 08 00 80 00 20")));
}

TEST_CASE("PT: overlapping ranges -> 26/00 at the later descriptor's LBA, touching or empty "
          "ranges do not overlap", "[scsi][odx][populate_token]") {
  const Bytes header = hex("00 3E 00 00 00000000 00000000 0000 0030");
  auto list = [&](std::initializer_list<Bytes> ranges) {
    Bytes v = header;
    for (const auto& r : ranges) v.insert(v.end(), r.begin(), r.end());
    return v;
  };
  // Descriptor 2 overlaps descriptor 0; descriptor 1 is disjoint.
  check_error(list({range(100, 10), range(200, 10), range(109, 1)}),
              Sense::invalid_field_in_param_list(FieldRef::param(48)));
  check_error(list({range(100, 10), range(95, 6), range(300, 1)}),
              Sense::invalid_field_in_param_list(FieldRef::param(32)));
  // Same range twice.
  check_error(list({range(7, 1), range(300, 1), range(7, 1)}),
              Sense::invalid_field_in_param_list(FieldRef::param(48)));
  // An LBA at the top of the address space must not wrap.
  check_error(list({range(~0ull - 1, 0xFFFFFFFF), range(0, 1), range(~0ull, 1)}),
              Sense::invalid_field_in_param_list(FieldRef::param(48)));
  REQUIRE(decode(list({range(100, 10), range(110, 10), range(90, 10)})).has_value());
  REQUIRE(decode(list({range(100, 10), range(105, 0), range(100, 0)})).has_value());
}

TEST_CASE("PT: NUMBER OF LOGICAL BLOCKS 0 is a no-op descriptor, not an error",
          "[scsi][odx][populate_token]") {
  PopulateTokenParams p;
  p.ranges = {{10, 0}};
  auto decoded = decode(xg::scsi::encode_populate_token(p));
  REQUIRE(decoded.has_value());
  CHECK(*decoded == p);
}

TEST_CASE("PT: total blocks above MAXIMUM TOKEN TRANSFER SIZE -> 26/00 at the NUMBER OF "
          "LOGICAL BLOCKS that crosses it", "[scsi][odx][populate_token]") {
  RodTokenLimits limits;
  limits.max_token_transfer_size_blocks = 32768 + 16384;
  REQUIRE(decode(hex(kWindows), limits).has_value());
  limits.max_token_transfer_size_blocks = 32768 + 16383;
  check_error(hex(kWindows), Sense::invalid_field_in_param_list(FieldRef::param(40)), limits);
  limits.max_token_transfer_size_blocks = 100;
  check_error(hex(kWindows), Sense::invalid_field_in_param_list(FieldRef::param(24)), limits);
}

TEST_CASE("PT: ranges past the capacity -> 21/00 LBA OUT OF RANGE with the LBA as "
          "INFORMATION (SBC-4 5.12.2)", "[scsi][odx][populate_token]") {
  const auto ranges = windows_params().ranges;  // last block used: 100000h + 16383
  CHECK(xg::scsi::check_ranges_in_capacity(ranges, 0x100000 + 16384).has_value());
  auto result = xg::scsi::check_ranges_in_capacity(ranges, 0x100000 + 16383);
  REQUIRE_FALSE(result.has_value());
  Sense expected = Sense::lba_out_of_range();
  expected.information = 0x100000;
  CHECK(result.error() == expected);
  CHECK(xg::test::fixed_sense_hex(result.error()) ==
        show(hex("F0 00 05 00100000 0A 00000000 21 00 00 00 00 00")));
  // No wrap at the top of the address space; empty ranges are never out of range.
  const std::vector<BlockDeviceRangeDescriptor> top = {{~0ull, 2}};
  CHECK_FALSE(xg::scsi::check_ranges_in_capacity(top, 1000).has_value());
  const std::vector<BlockDeviceRangeDescriptor> empty = {{5000, 0}};
  CHECK(xg::scsi::check_ranges_in_capacity(empty, 1000).has_value());
  CHECK(xg::scsi::total_logical_blocks(ranges) == 49152);
}

TEST_CASE("PT: reserved fields are ignored and re-encoded as zero",
          "[scsi][odx][populate_token]") {
  Bytes v = hex(kWindows);
  v[2] = 0xFC;  // b7:2 reserved
  v[3] = 0xFF;
  v[12] = 0x12;
  v[28] = 0x34;  // a descriptor's reserved bytes
  auto decoded = decode(v);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == windows_params());
}
