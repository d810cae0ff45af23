// NVM I/O command builders (NVM Command Set 1.0 3.2/3.3): byte-exact SQEs, NLB 0's based,
// refused requests, fused Compare and Write, Dataset Management deallocate.
#include "nvme/io_commands.h"

#include "tests/nvme/nvme_test_support.h"
#include "tests/support/catch.h"

using namespace xg::nvme;
using xg::test::hex;
using xg::test::show;

namespace {

// The 24 bytes common to every command here: CDW0..DPTR with CID/MPTR/DPTR zero.
std::string head(const char* opcode_and_flags, const char* nsid) {
  return std::string(opcode_and_flags) + " 00 00 " + nsid +
         " 00000000 00000000 0000000000000000 0000000000000000 0000000000000000";
}

}  // namespace

TEST_CASE("I/O: Read of 8 blocks at LBA 0x1_0000_0002 encodes NLB 7 (0's based)",
          "[nvme][io]") {
  IoOptions o;
  o.fua = true;
  o.prinfo = kPrinfoPract | kPrinfoCheckGuard;
  o.dsm = 0x05;
  o.ilbrt = 0xCAFEBABE;
  o.lbat = 0x1234;
  o.lbatm = 0xFFFF;
  auto sqe = build_read(1, 0x1'0000'0002, 8, o);
  REQUIRE(sqe.has_value());
  CHECK(show(xg::test::sqe_bytes(*sqe)) == show(hex(head("02 00", "01 00 00 00") + R"(
    02 00 00 00  // CDW10 SLBA 31:0
    01 00 00 00  // CDW11 SLBA 63:32
    07 00        // CDW12 15:0 NLB = 7 -> 8 blocks
    00           // CDW12 23:16 reserved (Read has no DTYPE)
    70           // CDW12 31:24: LR 0, FUA 1 (bit 30), PRINFO 1100b (29:26), STC 0
    05 00 00 00  // CDW13 7:0 DSM
    BE BA FE CA  // CDW14 EILBRT
    34 12        // CDW15 15:0 ELBAT
    FF FF        // CDW15 31:16 ELBATM
  )")));
  auto back = decode_io(*sqe);
  REQUIRE(back.has_value());
  CHECK(back->nlb == 7);
  CHECK(back->blocks() == 8);
  CHECK(back->slba == 0x1'0000'0002);
  CHECK(back->fua);
  CHECK(back->prinfo == 0xC);
  CHECK(encode_io(*back) == *sqe);
}

TEST_CASE("I/O: a 1-block request encodes NLB 0, 65,536 blocks encode FFFFh", "[nvme][io]") {
  auto one = build_write(1, 0, 1);
  REQUIRE(one.has_value());
  CHECK(one->cdw12 == 0);
  auto most = build_write(1, 0, 65536);
  REQUIRE(most.has_value());
  CHECK(most->cdw12 == 0xFFFF);
}

TEST_CASE("I/O: builders refuse 0 blocks and > 65,536 blocks at CDW12 (SQE byte 48)",
          "[nvme][io]") {
  for (std::uint8_t op : {kOpcodeRead, kOpcodeWrite, kOpcodeCompare, kOpcodeVerify,
                          kOpcodeWriteZeroes, kOpcodeWriteUncorrectable}) {
    CAPTURE(op);
    for (std::uint32_t blocks : {0U, 65537U}) {
      auto r = build_io(op, 1, 0, blocks);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().offset == 48);
    }
  }
  auto wrap = build_read(1, UINT64_MAX, 2);
  REQUIRE_FALSE(wrap.has_value());
  CHECK(wrap.error().offset == 40);
  CHECK(build_read(1, UINT64_MAX, 1).has_value());  // the last LBA itself is addressable
  auto bad_opcode = build_io(kOpcodeCopy, 1, 0, 1);
  REQUIRE_FALSE(bad_opcode.has_value());
  CHECK(bad_opcode.error().offset == 0);
}

TEST_CASE("I/O: Write carries DTYPE (CDW12 23:20) and DSPEC (CDW13 31:16)", "[nvme][io]") {
  IoOptions o;
  o.dtype = 2;  // Data Placement
  o.dspec = 0x0007;
  o.lr = true;
  auto sqe = build_write(5, 0x10, 16, o);
  REQUIRE(sqe.has_value());
  CHECK(show(xg::test::sqe_bytes(*sqe)) == show(hex(head("01 00", "05 00 00 00") + R"(
    10 00 00 00  // CDW10 SLBA
    00 00 00 00  // CDW11
    0F 00        // NLB 15 -> 16 blocks
    20           // CDW12 23:16: DTYPE=2 in bits 23:20
    80           // CDW12 31:24: LR (bit 31)
    00 00 07 00  // CDW13: DSM 0, DSPEC 0007h
    00 00 00 00  // CDW14
    00 00 00 00  // CDW15
  )")));
}

TEST_CASE("I/O: options an opcode does not define are refused at their SQE byte",
          "[nvme][io]") {
  IoOptions dtype;
  dtype.dtype = 1;
  auto r1 = build_read(1, 0, 1, dtype);
  REQUIRE_FALSE(r1.has_value());
  CHECK(r1.error().offset == 50);
  IoOptions deac;
  deac.deac = true;
  auto r2 = build_write(1, 0, 1, deac);
  REQUIRE_FALSE(r2.has_value());
  CHECK(r2.error().offset == 51);
  IoOptions dsm;
  dsm.dsm = 1;
  auto r3 = build_verify(1, 0, 1, dsm);
  REQUIRE_FALSE(r3.has_value());
  CHECK(r3.error().offset == 52);
  IoOptions fua;
  fua.fua = true;
  auto r4 = build_io(kOpcodeWriteUncorrectable, 1, 0, 1, fua);
  REQUIRE_FALSE(r4.has_value());
  CHECK(r4.error().offset == 51);
}

TEST_CASE("I/O: Write Zeroes with DEAC sets CDW12 bit 25, Verify and Write Uncorrectable",
          "[nvme][io]") {
  IoOptions o;
  o.deac = true;
  o.fua = true;
  auto wz = build_write_zeroes(1, 0x2000, 256, o);
  REQUIRE(wz.has_value());
  CHECK(show(xg::test::sqe_bytes(*wz)) == show(hex(head("08 00", "01 00 00 00") + R"(
    00 20 00 00  // CDW10 SLBA = 2000h
    00 00 00 00  // CDW11
    FF 00        // NLB 255 -> 256 blocks
    00           // CDW12 23:16
    42           // CDW12 31:24: FUA (bit 30), DEAC (bit 25)
    00 00 00 00  00 00 00 00  00 00 00 00  // CDW13-15
  )")));
  IoOptions v;
  v.prinfo = kPrinfoCheckReferenceTag;
  v.ilbrt = 0x2000;
  auto verify = build_verify(1, 0x2000, 1, v);
  REQUIRE(verify.has_value());
  CHECK(show(xg::test::sqe_bytes(*verify)) == show(hex(head("0C 00", "01 00 00 00") + R"(
    00 20 00 00  00 00 00 00  // SLBA
    00 00        // NLB 0 -> 1 block
    00           // reserved
    04           // CDW12 31:24: PRINFO 0001b (PRCHK reference tag) at bit 26
    00 00 00 00  // CDW13
    00 20 00 00  // CDW14 EILBRT
    00 00 00 00  // CDW15
  )")));
  auto wu = build_write_uncorrectable(2, 7, 3);
  REQUIRE(wu.has_value());
  CHECK(show(xg::test::sqe_bytes(*wu)) == show(hex(head("04 00", "02 00 00 00") + R"(
    07 00 00 00  00 00 00 00  // SLBA 7
    02 00 00 00  // NLB 2 -> 3 blocks
    00 00 00 00  00 00 00 00  00 00 00 00
  )")));
}

TEST_CASE("I/O: Compare and Write is a fused pair, FUSE 01b then 10b, same range",
          "[nvme][io][fused]") {
  auto pair = build_compare_and_write(1, 100, 1);
  REQUIRE(pair.has_value());
  CHECK(show(xg::test::sqe_bytes(pair->compare)) == show(hex(head("05 01", "01 00 00 00") + R"(
    64 00 00 00  00 00 00 00  // SLBA 100
    00 00 00 00               // NLB 0
    00 00 00 00  00 00 00 00  00 00 00 00
  )")));
  CHECK(show(xg::test::sqe_bytes(pair->write)) == show(hex(head("01 02", "01 00 00 00") + R"(
    64 00 00 00  00 00 00 00
    00 00 00 00
    00 00 00 00  00 00 00 00  00 00 00 00
  )")));
  auto refused = build_compare_and_write(1, 100, 0);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().offset == 48);
}

TEST_CASE("I/O: Flush carries only the NSID", "[nvme][io]") {
  CHECK(show(xg::test::sqe_bytes(build_flush(0xFFFFFFFF))) ==
        show(hex(head("00 00", "FF FF FF FF") + " 00000000 00000000 00000000 00000000 "
                                                 "00000000 00000000")));
}

TEST_CASE("DSM: deallocate of two ranges: NR 1, AD, 16-byte entries with 1-based length",
          "[nvme][io][dsm]") {
  const DsmRange ranges[] = {{0, 8, 0x100}, {0, 1, 0x1'0000'0000}};
  auto req = build_deallocate(3, ranges);
  REQUIRE(req.has_value());
  CHECK(show(xg::test::sqe_bytes(req->sqe)) == show(hex(head("09 00", "03 00 00 00") + R"(
    01 00 00 00  // CDW10 7:0 NR = 1 -> 2 ranges
    04 00 00 00  // CDW11 bit 2 AD (deallocate)
    00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00
  )")));
  const auto expected = hex(R"(
    00 00 00 00              // range 0: Context Attributes
    08 00 00 00              //          Length = 8 blocks (1-based)
    00 01 00 00 00 00 00 00  //          SLBA 100h
    00 00 00 00              // range 1: Context Attributes
    01 00 00 00              //          Length = 1 block
    00 00 00 00 01 00 00 00  //          SLBA 1_0000_0000h
  )");
  CHECK(show(req->ranges) == show(expected));
  auto back = decode_dsm_ranges(expected, 2);
  REQUIRE(back.has_value());
  CHECK(*back == std::vector<DsmRange>(std::begin(ranges), std::end(ranges)));
  for (std::size_t n = 0; n < expected.size(); ++n) {
    auto r = decode_dsm_ranges(xg::test::truncated(expected, n), 2);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().offset == (n < 16 ? 0U : 16U));
  }
}

TEST_CASE("DSM: 0 or 257 ranges refused at CDW10, a 0-length range at its Length field",
          "[nvme][io][dsm]") {
  auto none = build_deallocate(1, {});
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().offset == 40);
  std::vector<DsmRange> many(257, DsmRange{0, 1, 0});
  auto too_many = build_deallocate(1, many);
  REQUIRE_FALSE(too_many.has_value());
  CHECK(too_many.error().offset == 40);
  many.resize(256);
  CHECK(build_deallocate(1, many).has_value());
  const DsmRange zero[] = {{0, 4, 0}, {0, 0, 8}};
  auto r = build_deallocate(1, zero);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().offset == 20);
}
