// validate_copy(): the status a conforming controller returns per Copy condition
// (NVM Command Set 1.0 3.2.2; TP4130 for 85h/87h and formats 2h/3h).
#include <map>

#include "nvme/copy_command.h"
#include "tests/support/catch.h"

using namespace xg::nvme;

namespace {

// A QEMU 7.2 namespace with mssrl=16,mcl=32,msrc=3 (4 ranges), 512-byte blocks.
NamespaceCopyInfo ns2() {
  NamespaceCopyInfo ns;
  ns.nsid = 2;
  ns.nsze = 1000;
  ns.mssrl = 16;
  ns.mcl = 32;
  ns.msrc = 3;
  return ns;
}

ControllerCopyCaps qemu_caps() {
  ControllerCopyCaps caps;
  caps.oncs = 0x015D;  // QEMU 7.2: Compare, DSM, Write Zeroes, Save/Select, Timestamp, Copy
  caps.ocfs = 0x0003;
  return caps;
}

SourceRange r(std::uint64_t slba, std::uint32_t blocks, std::uint32_t snsid = 0) {
  auto range = source_range(slba, blocks);
  REQUIRE(range.has_value());
  range->snsid = snsid;
  return *range;
}

struct Case {
  const char* rule;
  std::uint8_t desfmt;
  std::uint64_t sdlba;
  std::vector<SourceRange> ranges;
  std::uint16_t expected_linux_status;
  std::uint32_t expected_dw0;
};

CopyVerdict run(const Case& c, const ControllerCopyCaps& caps, const NamespaceCopyInfo& dst,
                const NamespaceLookup& lookup = {}) {
  CopyCommand cmd;
  cmd.nsid = dst.nsid;
  cmd.sdlba = c.sdlba;
  cmd.desfmt = c.desfmt;
  cmd.nr = static_cast<std::uint8_t>(c.ranges.size() - 1);
  return validate_copy(cmd, c.ranges, caps, dst, lookup);
}

}  // namespace

TEST_CASE("Copy limits: table of conditions -> exact status and DW0 (NVM Command Set 1.0 3.2.2)",
          "[nvme][copy][limits]") {
  const std::vector<Case> cases = {
      {"4 ranges x 8 blocks = MCL: OK", 0, 500, {r(0, 8), r(8, 8), r(16, 8), r(24, 8)}, 0, 0},
      {"one range of MSSRL blocks: OK", 0, 500, {r(0, 16)}, 0, 0},
      {"NR+1 = 5 > MSRC+1 -> 0x4183", 0, 500,
       {r(0, 1), r(1, 1), r(2, 1), r(3, 1), r(4, 1)}, 0x4183, 0},
      {"sum 48 > MCL 32 (each <= MSSRL) -> 0x4183 before any range", 0, 500,
       {r(0, 16), r(16, 16), r(32, 16)}, 0x4183, 0},
      {"range 1 NLB+1 = 17 > MSSRL -> 0x4183, DW0 1", 0, 500, {r(0, 8), r(8, 17)}, 0x4183, 1},
      {"range 1 source past NSZE -> 0x4080, DW0 1", 0, 500, {r(0, 8), r(995, 8)}, 0x4080, 1},
      {"source ending exactly at NSZE: OK", 0, 0, {r(992, 8)}, 0, 0},
      {"destination run of range 1 past NSZE -> 0x4080, DW0 1", 0, 990, {r(0, 8), r(8, 8)},
       0x4080, 1},
      {"SLBA + NLB wrapping 64 bits -> 0x4080", 0, 0, {r(UINT64_MAX, 2)}, 0x4080, 0},
      {"DESFMT 1h not in this namespace's PI family -> 0x410A", 1, 0, {r(0, 1)}, 0x410A, 0},
      {"DESFMT 2h not in OCFS -> 0x4002", 2, 0, {r(0, 1)}, 0x4002, 0},
      {"DESFMT 4h (reserved) -> 0x4002", 4, 0, {r(0, 1)}, 0x4002, 0},
  };
  for (const auto& c : cases) {
    CAPTURE(c.rule);
    const CopyVerdict v = run(c, qemu_caps(), ns2());
    CHECK(v.status.to_linux() == c.expected_linux_status);
    CHECK(v.dw0 == c.expected_dw0);
  }
}

TEST_CASE("Copy limits: ONCS bit 8 clear -> 0x4001 Invalid Command Opcode", "[nvme][copy][limits]") {
  ControllerCopyCaps caps = qemu_caps();
  caps.oncs &= static_cast<std::uint16_t>(~kOncsCopy);
  const CopyVerdict v = run({"", 0, 0, {r(0, 1)}, 0, 0}, caps, ns2());
  CHECK(v == CopyVerdict{Status::invalid_command_opcode(), 0});
}

TEST_CASE("Copy limits: MSSRL 0 or MCL 0 refuse every copy with 0x4183", "[nvme][copy][limits]") {
  NamespaceCopyInfo ns = ns2();
  ns.mssrl = 0;
  CHECK(run({"", 0, 0, {r(0, 1)}, 0, 0}, qemu_caps(), ns).status.to_linux() == 0x4183);
  ns = ns2();
  ns.mcl = 0;
  CHECK(run({"", 0, 0, {r(0, 1)}, 0, 0}, qemu_caps(), ns).status.to_linux() == 0x4183);
}

TEST_CASE("Copy limits: PI namespace with PRINFOR.PRACT != PRINFOW.PRACT -> 0x4002",
          "[nvme][copy][limits]") {
  NamespaceCopyInfo ns = ns2();
  ns.pi_type = 1;
  CopyCommand cmd;
  cmd.nsid = 2;
  cmd.prinfor = 0x8;
  const SourceRange one[] = {r(0, 1)};
  CHECK(validate_copy(cmd, one, qemu_caps(), ns).status.to_linux() == 0x4002);
  cmd.prinfow = 0x8;
  CHECK(validate_copy(cmd, one, qemu_caps(), ns).status.ok());
  ns.pi_type = 0;  // without PI the PRACT bits are not compared
  cmd.prinfow = 0;
  CHECK(validate_copy(cmd, one, qemu_caps(), ns).status.ok());
}

TEST_CASE("Copy limits: 64b-Guard namespace needs format 1h, format 0h -> 0x410A",
          "[nvme][copy][limits]") {
  NamespaceCopyInfo ns = ns2();
  ns.pif = 2;
  CHECK(run({"", 0, 0, {r(0, 1)}, 0, 0}, qemu_caps(), ns).status.to_linux() == 0x410A);
  CHECK(run({"", 1, 0, {r(0, 1)}, 0, 0}, qemu_caps(), ns).status.ok());
}

TEST_CASE("Copy limits: range count different from NR+1 -> 0x4002", "[nvme][copy][limits]") {
  CopyCommand cmd;
  cmd.nsid = 2;
  cmd.nr = 1;
  const SourceRange one[] = {r(0, 1)};
  CHECK(validate_copy(cmd, one, qemu_caps(), ns2()).status.to_linux() == 0x4002);
}

TEST_CASE("Copy limits: cross-namespace formats 2h/3h need OCFS and CDFE, an attached "
          "SNSID and a compatible format (TP4130)", "[nvme][copy][limits][xns]") {
  ControllerCopyCaps caps = qemu_caps();
  caps.ocfs = 0x000F;
  NamespaceCopyInfo src = ns2();
  src.nsid = 5;
  src.mssrl = 4;
  src.nsze = 100;
  NamespaceCopyInfo other_format = src;
  other_format.nsid = 6;
  other_format.lba_data_size = 4096;
  const NamespaceLookup lookup = [&](std::uint32_t nsid) -> const NamespaceCopyInfo* {
    if (nsid == 5) return &src;
    if (nsid == 6) return &other_format;
    return nullptr;
  };
  const Case good{"", 2, 0, {r(0, 4, 2), r(0, 4, 5)}, 0, 0};
  CHECK(run(good, caps, ns2(), lookup).status.to_linux() == 0x4002);  // CDFE bit 2 clear
  caps.cdfe = 0x0004;
  CHECK(run(good, caps, ns2(), lookup).status.ok());
  CHECK(run({"", 2, 0, {r(0, 4, 2), r(0, 4, 9)}, 0, 0}, caps, ns2(), lookup) ==
        CopyVerdict{Status::invalid_namespace_or_format(), 1});
  CHECK(run({"", 2, 0, {r(0, 4, 6)}, 0, 0}, caps, ns2(), lookup) ==
        CopyVerdict{Status::incompatible_namespace_or_format(), 0});
  // MSSRL and NSZE of the source namespace apply to its ranges.
  CHECK(run({"", 2, 0, {r(0, 8, 2), r(0, 5, 5)}, 0, 0}, caps, ns2(), lookup) ==
        CopyVerdict{Status::command_size_limit_exceeded(), 1});
  CHECK(run({"", 2, 0, {r(98, 4, 5)}, 0, 0}, caps, ns2(), lookup) ==
        CopyVerdict{Status::lba_out_of_range(), 0});
  CHECK(run({"", 2, 0, {r(0, 1, 5)}, 0, 0}, caps, ns2()) ==
        CopyVerdict{Status::invalid_namespace_or_format(), 0});  // no lookup given
}

TEST_CASE("Copy limits: overlap with the destination run -> 0x4187 only when enabled",
          "[nvme][copy][limits]") {
  ControllerCopyCaps caps = qemu_caps();
  const Case overlap{"", 0, 10, {r(0, 4), r(12, 4)}, 0, 0};  // destination 10..17
  CHECK(run(overlap, caps, ns2()).status.ok());
  caps.reject_overlap = true;
  CHECK(run(overlap, caps, ns2()) == CopyVerdict{Status::overlapping_io_range(), 1});
  CHECK(run({"", 0, 10, {r(0, 4), r(18, 4)}, 0, 0}, caps, ns2()).status.ok());
}
