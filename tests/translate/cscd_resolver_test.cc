// The CSCD resolver on its own (translate/cscd_resolver.h): which LU each CSCD names, the
// extents it hands the planner, and the exact COPY ABORTED sense of the first segment that
// cannot be processed (SPC-4 5.17.7.4, 6.4.5.6, 6.4.6.3). No device, no copy manager.
#include "scsi/xcopy_params.h"
#include "tests/support/catch.h"
#include "translate/cscd_resolver.h"

namespace xg::test {
namespace {

using scsi::FieldRef;
using translate::CopyEndpoint;
using translate::CopyExtent;
using translate::LunEndpoint;
using translate::ResolvedSegments;

scsi::Designator naa(std::uint64_t n) { return scsi::Designator::naa6(0x123456, n, n); }

CopyEndpoint endpoint(std::uint64_t lun, std::uint32_t block_size, std::uint64_t blocks) {
  CopyEndpoint e;
  e.block_size = block_size;
  e.blocks = blocks;
  e.designators = {naa(lun)};
  e.plan.id = static_cast<std::uint32_t>(lun);
  e.plan.lba_size = block_size;
  return e;
}

// The target: LUN 0 and LUN 5 with 512-byte blocks, LUN 7 with 4096-byte blocks.
struct Target {
  CopyEndpoint lun0 = endpoint(0, 512, 1000);
  CopyEndpoint lun5 = endpoint(5, 512, 2000);
  CopyEndpoint lun7 = endpoint(7, 4096, 100);
  std::vector<LunEndpoint> all() const { return {{0, &lun0}, {5, &lun5}, {7, &lun7}}; }
};

// An E4h CSCD naming `designator`, at parameter list byte `offset`.
scsi::CscdDescriptor cscd(const scsi::Designator& designator, std::size_t offset,
                          std::uint32_t disk_block_length = 512) {
  scsi::CscdDescriptor c;
  c.offset = offset;
  c.body = scsi::IdentificationCscd{designator};
  c.device_parameters.disk_block_length = disk_block_length;
  return c;
}

// A 02h segment, number `index`, at parameter list byte `offset`.
scsi::SegmentDescriptor b2b(std::uint16_t index, std::size_t offset, std::uint16_t src,
                            std::uint16_t dst, std::uint64_t src_lba, std::uint64_t dst_lba,
                            std::uint16_t blocks) {
  scsi::SegmentDescriptor s;
  s.index = index;
  s.offset = offset;
  s.source_cscd_descriptor_id = src;
  s.destination_cscd_descriptor_id = dst;
  s.body = scsi::BlockToBlock{blocks, src_lba, dst_lba};
  return s;
}

scsi::ExtendedCopyList list(std::vector<scsi::CscdDescriptor> cscds,
                            std::vector<scsi::SegmentDescriptor> segments) {
  scsi::ExtendedCopyList l;
  l.cscds = std::move(cscds);
  l.segments = std::move(segments);
  return l;
}

// COPY ABORTED (0Ah) with the given ASC/ASCQ at `segment`, spelled out so the named
// constructors are checked too.
scsi::Sense copy_aborted(std::uint8_t asc, std::uint8_t ascq, std::uint16_t segment,
                         std::optional<FieldRef> field = std::nullopt) {
  scsi::Sense s;
  s.key = scsi::SenseKey::kCopyAborted;
  s.asc = asc;
  s.ascq = ascq;
  s.copy_segment = segment;
  s.field = field;
  return s;
}

// What the source or destination would answer to an LBA out of range: CHECK CONDITION,
// fixed sense ILLEGAL REQUEST 21/00.
scsi::ForwardedSense lba_out_of_range_from(scsi::ForwardedSense::Source source) {
  scsi::Sense s;
  s.key = scsi::SenseKey::kIllegalRequest;
  s.asc = 0x21;
  scsi::ForwardedSense f;
  f.source = source;
  f.status = 0x02;
  f.sense = scsi::encode_fixed(s);
  return f;
}

void check_extents(const ResolvedSegments& r, const std::vector<CopyExtent>& expected) {
  REQUIRE(r.extents.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("extent " << i);
    CHECK(r.extents[i].segment == expected[i].segment);
    CHECK(r.extents[i].source == expected[i].source);
    CHECK(r.extents[i].source_lba == expected[i].source_lba);
    CHECK(r.extents[i].destination == expected[i].destination);
    CHECK(r.extents[i].destination_lba == expected[i].destination_lba);
    CHECK(r.extents[i].blocks == expected[i].blocks);
  }
}

}  // namespace

TEST_CASE("CSCD resolver: E4h CSCDs name LUs by designator, FFFFh the LU the command was "
          "sent to, each LU is one planner namespace",
          "[translate][xcopy][resolver]") {
  const Target t;
  const auto l = list({cscd(naa(5), 16), cscd(naa(0), 48)},
                      {b2b(0, 80, 0, 1, 10, 20, 30), b2b(1, 108, 0xFFFF, 1, 0, 999, 1),
                       b2b(2, 136, 0, 1, 1999, 0, 0)});
  const ResolvedSegments r = translate::resolve_segments(l, 5, t.all());
  CHECK_FALSE(r.abort.has_value());
  CHECK(r.resolved_segments == 3);
  check_extents(r, {{0, 5, 10, 0, 20, 30}, {1, 5, 0, 0, 999, 1}, {2, 5, 1999, 0, 0, 0}});
  REQUIRE(r.namespaces.size() == 2);
  CHECK(r.namespaces[0].id == 5);
  CHECK(r.namespaces[1].id == 0);
  REQUIRE(r.endpoints.size() == 2);
  CHECK(r.endpoints.at(0) == &t.lun0);
  CHECK(r.endpoints.at(5) == &t.lun5);
}

TEST_CASE("CSCD resolver: a CSCD that names nothing here is 0D/02 at the segment it stops, "
          "the segments before it still resolve",
          "[translate][xcopy][resolver]") {
  const Target t;
  SECTION("CSCD ID beyond the list: the pointer is at the segment's source or destination ID") {
    const auto l = list({cscd(naa(0), 16)}, {b2b(0, 48, 0, 0, 0, 100, 8), b2b(1, 76, 0, 1, 0, 0, 8)});
    const ResolvedSegments r = translate::resolve_segments(l, 0, t.all());
    check_extents(r, {{0, 0, 0, 0, 100, 8}});
    CHECK(r.resolved_segments == 1);
    REQUIRE(r.abort.has_value());
    CHECK(*r.abort == copy_aborted(0x0D, 0x02, 1, FieldRef::param(76 + 6)));
  }
  SECTION("source ID beyond the list") {
    const auto l = list({cscd(naa(0), 16)}, {b2b(0, 48, 3, 0, 0, 100, 8)});
    const ResolvedSegments r = translate::resolve_segments(l, 0, t.all());
    CHECK(r.extents.empty());
    CHECK(r.resolved_segments == 0);
    REQUIRE(r.abort.has_value());
    CHECK(*r.abort == copy_aborted(0x0D, 0x02, 0, FieldRef::param(48 + 4)));
  }
  SECTION("no LU of this target has the designator: the pointer is at the CSCD") {
    const auto l = list({cscd(naa(0), 16), cscd(naa(9), 48)}, {b2b(0, 80, 0, 1, 0, 0, 8)});
    const ResolvedSegments r = translate::resolve_segments(l, 0, t.all());
    REQUIRE(r.abort.has_value());
    CHECK(*r.abort == copy_aborted(0x0D, 0x02, 0, FieldRef::param(48)));
  }
  SECTION("NUL bit") {
    auto nul = cscd(naa(0), 48);
    nul.nul = true;
    const auto l = list({cscd(naa(0), 16), nul}, {b2b(0, 80, 0, 1, 0, 0, 8)});
    const ResolvedSegments r = translate::resolve_segments(l, 0, t.all());
    REQUIRE(r.abort.has_value());
    CHECK(*r.abort == copy_aborted(0x0D, 0x02, 0, FieldRef::param(48)));
  }
  SECTION("not an E4h CSCD") {
    scsi::CscdDescriptor rod;
    rod.offset = 16;
    rod.body = scsi::RodCscd{};
    const auto l = list({rod}, {b2b(0, 80, 0, 0, 0, 0, 8)});
    const ResolvedSegments r = translate::resolve_segments(l, 0, t.all());
    REQUIRE(r.abort.has_value());
    CHECK(*r.abort == copy_aborted(0x0D, 0x02, 0, FieldRef::param(16)));
  }
  SECTION("FFFFh when the LU the command was sent to takes no part in copies") {
    const auto l = list({}, {b2b(0, 16, 0xFFFF, 0xFFFF, 0, 8, 8)});
    const std::vector<LunEndpoint> without_lun0 = {{5, &t.lun5}};
    const ResolvedSegments r = translate::resolve_segments(l, 0, without_lun0);
    REQUIRE(r.abort.has_value());
    CHECK(*r.abort == copy_aborted(0x0D, 0x02, 0, FieldRef::param(16 + 4)));
  }
}

TEST_CASE("CSCD resolver: block sizes - DISK BLOCK LENGTH not the LU's, or source and "
          "destination differing, is 0D/03",
          "[translate][xcopy][resolver]") {
  const Target t;
  SECTION("DISK BLOCK LENGTH: the pointer is at CSCD byte 29") {
    const auto l = list({cscd(naa(0), 16, 4096)}, {b2b(0, 48, 0, 0, 0, 8, 8)});
    const ResolvedSegments r = translate::resolve_segments(l, 0, t.all());
    REQUIRE(r.abort.has_value());
    CHECK(*r.abort == copy_aborted(0x0D, 0x03, 0, FieldRef::param(16 + 29)));
  }
  SECTION("DISK BLOCK LENGTH 0 takes the LU's") {
    const auto l = list({cscd(naa(7), 16, 0)}, {b2b(0, 48, 0, 0, 0, 8, 8)});
    const ResolvedSegments r = translate::resolve_segments(l, 0, t.all());
    CHECK_FALSE(r.abort.has_value());
    check_extents(r, {{0, 7, 0, 7, 8, 8}});
  }
  SECTION("512 -> 4096: the pointer is at the destination CSCD ID") {
    const auto l = list({cscd(naa(0), 16), cscd(naa(7), 48, 4096)}, {b2b(0, 80, 0, 1, 0, 0, 8)});
    const ResolvedSegments r = translate::resolve_segments(l, 0, t.all());
    CHECK(r.extents.empty());
    REQUIRE(r.abort.has_value());
    CHECK(*r.abort == copy_aborted(0x0D, 0x03, 0, FieldRef::param(80 + 6)));
  }
}

TEST_CASE("CSCD resolver: a range past the LU's end is COPY ABORTED 00/00 with the ILLEGAL "
          "REQUEST 21/00 of the side that is out of range forwarded, up to the last block is in",
          "[translate][xcopy][resolver]") {
  const Target t;
  const auto cscds = std::vector{cscd(naa(0), 16), cscd(naa(5), 48)};
  SECTION("the last blocks of both LUs") {
    const ResolvedSegments r =
        translate::resolve_segments(list(cscds, {b2b(0, 80, 0, 1, 992, 1992, 8)}), 0, t.all());
    CHECK_FALSE(r.abort.has_value());
    CHECK(r.resolved_segments == 1);
  }
  SECTION("source one block past the end") {
    const ResolvedSegments r =
        translate::resolve_segments(list(cscds, {b2b(0, 80, 0, 1, 993, 0, 8)}), 0, t.all());
    REQUIRE(r.abort.has_value());
    scsi::Sense expected = copy_aborted(0x00, 0x00, 0);
    expected.forwarded = {lba_out_of_range_from(scsi::ForwardedSense::Source::kCopySource)};
    CHECK(*r.abort == expected);
  }
  SECTION("destination LBA beyond the end") {
    const ResolvedSegments r =
        translate::resolve_segments(list(cscds, {b2b(0, 80, 0, 1, 0, 2001, 0)}), 0, t.all());
    REQUIRE(r.abort.has_value());
    scsi::Sense expected = copy_aborted(0x00, 0x00, 0);
    expected.forwarded = {lba_out_of_range_from(scsi::ForwardedSense::Source::kCopyDestination)};
    CHECK(*r.abort == expected);
  }
}

TEST_CASE("CSCD resolver: a segment type it does not process is COPY ABORTED 26/09",
          "[translate][xcopy][resolver]") {
  const Target t;
  scsi::SegmentDescriptor image;
  image.index = 1;
  image.offset = 76;
  image.body = scsi::BlockImageCopy{};
  const auto l = list({cscd(naa(0), 16)}, {b2b(0, 48, 0, 0, 0, 8, 8), image});
  const ResolvedSegments r = translate::resolve_segments(l, 0, t.all());
  CHECK(r.resolved_segments == 1);
  REQUIRE(r.abort.has_value());
  CHECK(*r.abort == copy_aborted(0x26, 0x09, 1));
}

}  // namespace xg::test
