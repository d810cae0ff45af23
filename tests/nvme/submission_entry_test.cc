// The 64-byte SQE (Base 2.0 "Common Command Format"): byte-wise little-endian encoding.
#include "nvme/submission_entry.h"

#include "tests/nvme/nvme_test_support.h"
#include "tests/support/catch.h"

using xg::nvme::Fuse;
using xg::nvme::SubmissionEntry;
using xg::test::hex;
using xg::test::show;

namespace {

SubmissionEntry every_field() {
  SubmissionEntry s;
  s.opcode = 0x19;
  s.fuse = Fuse::kSecond;
  s.psdt = 1;
  s.cid = 0x1234;
  s.nsid = 0x01020304;
  s.cdw2 = 0x11121314;
  s.cdw3 = 0x21222324;
  s.mptr = 0x3132333435363738;
  s.prp1 = 0x4142434445464748;
  s.prp2 = 0x5152535455565758;
  s.cdw10 = 0xA0A1A2A3;
  s.cdw11 = 0xB0B1B2B3;
  s.cdw12 = 0xC0C1C2C3;
  s.cdw13 = 0xD0D1D2D3;
  s.cdw14 = 0xE0E1E2E3;
  s.cdw15 = 0xF0F1F2F3;
  return s;
}

const char* kEveryField = R"(
  19                       // CDW0 7:0 OPC
  42                       // CDW0 9:8 FUSE=10b (second), 13:10 reserved, 15:14 PSDT=01b
  34 12                    // CDW0 31:16 CID
  04 03 02 01              // NSID
  14 13 12 11              // CDW2
  24 23 22 21              // CDW3
  38 37 36 35 34 33 32 31  // MPTR
  48 47 46 45 44 43 42 41  // DPTR: PRP Entry 1
  58 57 56 55 54 53 52 51  // DPTR: PRP Entry 2
  A3 A2 A1 A0              // CDW10
  B3 B2 B1 B0              // CDW11
  C3 C2 C1 C0              // CDW12
  D3 D2 D1 D0              // CDW13
  E3 E2 E1 E0              // CDW14
  F3 F2 F1 F0              // CDW15
)";

}  // namespace

TEST_CASE("SQE: every field at its Base 2.0 offset, little-endian, both directions",
          "[nvme][sqe]") {
  const auto expected = hex(kEveryField);
  REQUIRE(expected.size() == 64);
  CHECK(show(xg::test::sqe_bytes(every_field())) == show(expected));
  auto back = xg::nvme::decode_submission_entry(expected);
  REQUIRE(back.has_value());
  CHECK(*back == every_field());
}

TEST_CASE("SQE: a buffer that is not 64 bytes is refused at the first missing byte",
          "[nvme][sqe]") {
  const auto full = hex(kEveryField);
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto r = xg::nvme::decode_submission_entry(xg::test::truncated(full, n));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().offset == n);
  }
  auto r = xg::nvme::decode_submission_entry(xg::test::concat({full, {0}}));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().offset == 64);
}

TEST_CASE("SQE: FUSE 11b (reserved) and CDW0 bits 13:10 are refused at byte 1",
          "[nvme][sqe]") {
  const auto full = hex(kEveryField);
  for (std::uint8_t flags : {0x03, 0x04, 0x3C, 0x20}) {
    CAPTURE(flags);
    auto r = xg::nvme::decode_submission_entry(xg::test::with_byte(full, 1, flags));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().offset == 1);
  }
  auto ok = xg::nvme::decode_submission_entry(xg::test::with_byte(full, 1, 0xC1));
  REQUIRE(ok.has_value());
  CHECK(ok->fuse == Fuse::kFirst);
  CHECK(ok->psdt == 3);
}
