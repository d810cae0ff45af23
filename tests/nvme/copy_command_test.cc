// Copy (19h) SQE and Source Range Entries formats 0h-3h (NVM Command Set 1.0 3.2.2,
// TP4065/TP4068/TP4130; layouts as Linux, QEMU, SPDK and libnvme >= 1.4 agree).
#include "nvme/copy_command.h"

#include "tests/nvme/nvme_test_support.h"
#include "tests/support/catch.h"

using namespace xg::nvme;
using xg::test::hex;
using xg::test::show;

namespace {

const char* kSqeHead = R"(
  19 00 00 00              // CDW0: OPC 19h, FUSE 0, PSDT 0, CID 0
  01 00 00 00              // NSID 1 (destination; also the source for 0h/1h)
  00 00 00 00              // CDW2
  00 00 00 00              // CDW3 LBTU
  00 00 00 00 00 00 00 00  // MPTR
  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  // DPTR (set by the device layer)
)";

SourceRange range(std::uint64_t slba, std::uint32_t blocks) {
  auto r = source_range(slba, blocks);
  REQUIRE(r.has_value());
  return *r;
}

}  // namespace

TEST_CASE("Copy: worked example measured on QEMU 7.2 (2 x 4 blocks to LBA 1000, format 0h)",
          "[nvme][copy]") {
  CopyCommand cmd;
  cmd.nsid = 1;
  cmd.sdlba = 1000;
  const SourceRange ranges[] = {range(0, 4), range(4, 4)};
  auto req = build_copy(cmd, ranges);
  REQUIRE(req.has_value());
  CHECK(show(xg::test::sqe_bytes(req->sqe)) == show(hex(std::string(kSqeHead) + R"(
    E8 03 00 00  // CDW10 SDLBA 31:0 = 1000
    00 00 00 00  // CDW11 SDLBA 63:32
    01 00 00 00  // CDW12: NR=1 (2 ranges), DESFMT 0
    00 00 00 00  // CDW13
    00 00 00 00  // CDW14
    00 00 00 00  // CDW15
  )")));
  CHECK(show(req->descriptors) == show(hex(R"(
    00 00 00 00 00 00 00 00  // range 0: 7:0 reserved
    00 00 00 00 00 00 00 00  //   15:8 SLBA 0
    03 00                    //   17:16 NLB 3 -> 4 blocks
    00 00 00 00 00 00        //   23:18 reserved
    00 00 00 00 00 00 00 00  //   27:24 EILBRT, 29:28 ELBAT, 31:30 ELBATM
    00 00 00 00 00 00 00 00  // range 1: reserved
    04 00 00 00 00 00 00 00  //   SLBA 4
    03 00                    //   NLB 3
    00 00 00 00 00 00
    00 00 00 00 00 00 00 00
  )")));
  cmd.fua = true;
  CHECK(build_copy(cmd, ranges)->sqe.cdw12 == 0x40000001);
  cmd.fua = false;
  cmd.desfmt = 1;
  auto f1 = build_copy(cmd, ranges);
  REQUIRE(f1.has_value());
  CHECK(f1->sqe.cdw12 == 0x00000101);
  CHECK(f1->descriptors.size() == 80);
}

TEST_CASE("Copy: every CDW field at its bit position, both directions", "[nvme][copy]") {
  CopyCommand c;
  c.nsid = 2;
  c.cdw2 = 0x0000ABCD;
  c.lbtu = 0x01020304;
  c.sdlba = 0x0000'0001'8000'0000;
  c.nr = 0xFF;
  c.desfmt = 3;
  c.prinfor = 0x9;
  c.cetype = 0x1;
  c.dtype = 0x2;
  c.stcw = true;
  c.stcr = true;
  c.prinfow = 0x8;
  c.fua = true;
  c.lr = true;
  c.cev = 0x5555;
  c.dspec = 0x0042;
  c.lbtl = 0xDEADBEEF;
  c.lbat = 0x1111;
  c.lbatm = 0xF0F0;
  const auto sqe = encode_copy(c);
  CHECK(show(xg::test::sqe_bytes(sqe)) == show(hex(R"(
    19 00 00 00              // OPC 19h
    02 00 00 00              // NSID 2
    CD AB 00 00              // CDW2
    04 03 02 01              // CDW3 LBTU
    00 00 00 00 00 00 00 00  // MPTR
    00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  // DPTR
    00 00 00 80              // CDW10 SDLBA 31:0
    01 00 00 00              // CDW11 SDLBA 63:32
    FF                       // CDW12 7:0 NR = 255 (256 ranges)
    93                       // CDW12 11:8 DESFMT 3, 15:12 PRINFOR 1001b
    21                       // CDW12 19:16 CETYPE 1, 23:20 DTYPE 2
    E3                       // CDW12 24 STCW, 25 STCR, 29:26 PRINFOW 1000b, 30 FUA, 31 LR
    55 55                    // CDW13 15:0 CEV
    42 00                    // CDW13 31:16 DSPEC
    EF BE AD DE              // CDW14 LBTL (write-side ILBRT)
    11 11                    // CDW15 15:0 LBAT
    F0 F0                    // CDW15 31:16 LBATM
  )")));
  auto back = decode_copy(sqe);
  REQUIRE(back.has_value());
  CHECK(*back == c);
  SubmissionEntry not_copy = sqe;
  not_copy.opcode = kOpcodeWrite;
  auto r = decode_copy(not_copy);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().offset == 0);
}

namespace {

SourceRange tagged() {
  SourceRange r;
  r.slba = 0x0102030405060708;
  r.nlb = 0xABCD;
  r.elbat = 0x1234;
  r.elbatm = 0x5678;
  return r;
}

}  // namespace

TEST_CASE("Copy format 0h: 32 bytes, EILBRT/ELBAT/ELBATM little-endian at 24/28/30 "
          "(libnvme 1.3 swaps ELBAT/ELBATM)", "[nvme][copy][format]") {
  SourceRange r = tagged();
  r.elbst_eilbrt = 0xA1B2C3D4;
  const auto expected = hex(R"(
    00 00 00 00 00 00 00 00  // 7:0 reserved
    08 07 06 05 04 03 02 01  // 15:8 SLBA
    CD AB                    // 17:16 NLB (0's based)
    00 00 00 00 00 00        // 23:18 reserved
    D4 C3 B2 A1              // 27:24 EILBRT
    34 12                    // 29:28 ELBAT
    78 56                    // 31:30 ELBATM
  )");
  CHECK(show(encode_source_ranges(0, {&r, 1})) == show(expected));
  auto back = decode_source_ranges(expected, 0, 1);
  REQUIRE(back.has_value());
  CHECK(back->at(0) == r);
}

TEST_CASE("Copy format 1h: 40 bytes, 80-bit ELBST/EILBRT big-endian in 35:26",
          "[nvme][copy][format]") {
  SourceRange r = tagged();
  r.elbst_eilbrt_upper = 0x0A0B;
  r.elbst_eilbrt = 0x1112131415161718;
  const auto expected = hex(R"(
    00 00 00 00 00 00 00 00  // 7:0 reserved
    08 07 06 05 04 03 02 01  // 15:8 SLBA
    CD AB                    // 17:16 NLB
    00 00 00 00 00 00 00 00  // 25:18 reserved
    0A 0B                    // 27:26 tag bits 79:64 (most significant first)
    11 12 13 14 15 16 17 18  // 35:28 tag bits 63:0, byte 35 least significant
    34 12                    // 37:36 ELBAT
    78 56                    // 39:38 ELBATM
  )");
  CHECK(show(encode_source_ranges(1, {&r, 1})) == show(expected));
  auto back = decode_source_ranges(expected, 1, 1);
  REQUIRE(back.has_value());
  CHECK(back->at(0) == r);
}

TEST_CASE("Copy format 2h: 32 bytes with SNSID at 3:0 and SOPT (bit 15 FCO) at 23:22",
          "[nvme][copy][format]") {
  SourceRange r = tagged();
  r.snsid = 7;
  r.sopt = kSoptFastCopyOnly;
  r.elbst_eilbrt = 0xA1B2C3D4;
  const auto expected = hex(R"(
    07 00 00 00              // 3:0 SNSID
    00 00 00 00              // 7:4 reserved
    08 07 06 05 04 03 02 01  // 15:8 SLBA
    CD AB                    // 17:16 NLB
    00 00 00 00              // 21:18 reserved
    00 80                    // 23:22 SOPT: FCO
    D4 C3 B2 A1              // 27:24 EILBRT
    34 12                    // 29:28 ELBAT
    78 56                    // 31:30 ELBATM
  )");
  CHECK(show(encode_source_ranges(2, {&r, 1})) == show(expected));
  auto back = decode_source_ranges(expected, 2, 1);
  REQUIRE(back.has_value());
  CHECK(back->at(0) == r);
}

TEST_CASE("Copy format 3h: 40 bytes, SNSID, SOPT, 80-bit big-endian tag",
          "[nvme][copy][format]") {
  SourceRange r = tagged();
  r.snsid = 0x01020304;
  r.sopt = kSoptFastCopyOnly;
  r.elbst_eilbrt_upper = 0x0A0B;
  r.elbst_eilbrt = 0x1112131415161718;
  const auto expected = hex(R"(
    04 03 02 01              // 3:0 SNSID
    00 00 00 00              // 7:4 reserved
    08 07 06 05 04 03 02 01  // 15:8 SLBA
    CD AB                    // 17:16 NLB
    00 00 00 00              // 21:18 reserved
    00 80                    // 23:22 SOPT: FCO
    00 00                    // 25:24 reserved
    0A 0B                    // 27:26 tag bits 79:64
    11 12 13 14 15 16 17 18  // 35:28 tag bits 63:0
    34 12                    // 37:36 ELBAT
    78 56                    // 39:38 ELBATM
  )");
  CHECK(show(encode_source_ranges(3, {&r, 1})) == show(expected));
  auto back = decode_source_ranges(expected, 3, 1);
  REQUIRE(back.has_value());
  CHECK(back->at(0) == r);
}

TEST_CASE("Copy: reserved descriptor bytes are ignored on decode, SNSID/SOPT only in 2h/3h",
          "[nvme][copy][format]") {
  auto bytes = encode_source_ranges(0, std::vector<SourceRange>{tagged()});
  bytes[0] = 0x07;   // would be SNSID in 2h
  bytes[23] = 0x80;  // would be SOPT in 2h
  auto back = decode_source_ranges(bytes, 0, 1);
  REQUIRE(back.has_value());
  CHECK(back->at(0) == tagged());
}

TEST_CASE("Copy: a descriptor list shorter than NR+1 descriptors fails at the first "
          "incomplete descriptor", "[nvme][copy][format]") {
  for (std::uint8_t fmt = 0; fmt <= 3; ++fmt) {
    const std::size_t size = source_range_size(fmt);
    const auto full = encode_source_ranges(fmt, std::vector<SourceRange>(3, SourceRange{}));
    REQUIRE(full.size() == 3 * size);
    for (std::size_t n = 0; n < full.size(); ++n) {
      CAPTURE(fmt, n);
      auto r = decode_source_ranges(xg::test::truncated(full, n), fmt, 3);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().offset == n / size * size);
    }
    CHECK(decode_source_ranges(full, fmt, 3).has_value());
  }
  auto bad = decode_source_ranges(xg::test::Bytes(64, 0), 4, 1);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().offset == 0);
}

TEST_CASE("Copy: builder refuses 0/257 ranges, DESFMT > 3, and fields the format lacks",
          "[nvme][copy]") {
  CopyCommand cmd;
  auto none = build_copy(cmd, {});
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().offset == 48);
  std::vector<SourceRange> many(257);
  auto too_many = build_copy(cmd, many);
  REQUIRE_FALSE(too_many.has_value());
  CHECK(too_many.error().offset == 48);
  many.resize(256);
  auto most = build_copy(cmd, many);
  REQUIRE(most.has_value());
  CHECK((most->sqe.cdw12 & 0xFF) == 0xFF);
  CHECK(most->descriptors.size() == 256 * 32);

  cmd.desfmt = 4;
  auto fmt = build_copy(cmd, many);
  REQUIRE_FALSE(fmt.has_value());
  CHECK(fmt.error().offset == 49);

  cmd.desfmt = 0;
  std::vector<SourceRange> two(2);
  two[1].snsid = 3;
  auto snsid = build_copy(cmd, two);
  REQUIRE_FALSE(snsid.has_value());
  CHECK(snsid.error().offset == 32);  // descriptor 1, byte 0
  two[1].snsid = 0;
  two[1].sopt = kSoptFastCopyOnly;
  auto sopt = build_copy(cmd, two);
  REQUIRE_FALSE(sopt.has_value());
  CHECK(sopt.error().offset == 32 + 22);
  two[1].sopt = 0;
  two[1].elbst_eilbrt = 0x1'0000'0000;
  auto wide = build_copy(cmd, two);
  REQUIRE_FALSE(wide.has_value());
  CHECK(wide.error().offset == 32 + 24);
  cmd.desfmt = 1;
  CHECK(build_copy(cmd, two).has_value());
}

TEST_CASE("Copy: source_range() takes a block count, 1 block -> NLB 0, 0 blocks refused",
          "[nvme][copy]") {
  CHECK(range(5, 1).nlb == 0);
  CHECK(range(5, 65536).nlb == 0xFFFF);
  for (std::uint32_t blocks : {0U, 65537U}) {
    auto r = source_range(0, blocks);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().offset == 16);
  }
}

TEST_CASE("Copy: progress from DW0 counts only the ranges before the first not copied",
          "[nvme][copy]") {
  const SourceRange ranges[] = {range(0, 8), range(100, 200), range(400, 4)};
  CHECK(copy_progress(Status::success(), 0, ranges) == CopyProgress{3, 212});
  CHECK(copy_progress(Status::internal_error(), 1, ranges) == CopyProgress{1, 8});
  CHECK(copy_progress(Status::command_size_limit_exceeded(), 0, ranges) == CopyProgress{0, 0});
  CHECK(copy_progress(Status::lba_out_of_range(), 9, ranges) == CopyProgress{3, 212});
}
