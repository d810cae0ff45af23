// NVMe completion status (Base 2.0 "Common Completion Queue Entry Layout", "Status
// Field"; Linux drivers/nvme/host for the 15-bit value): DW3 decode/encode, the Linux
// 15-bit value, names.
#include "nvme/status.h"

#include "tests/nvme/nvme_test_support.h"
#include "tests/support/catch.h"

using xg::nvme::CompletionDw3;
using xg::nvme::CompletionEntry;
using xg::nvme::Status;
using xg::test::hex;
using xg::test::show;

namespace {

struct Dw3Row {
  std::uint32_t dw3;
  std::uint16_t cid;
  bool phase;
  Status status;
  std::uint16_t linux_value;
  const char* name;
};

// DW3 = CID (15:0) | P (16) | SC (24:17) | SCT (27:25) | CRD (29:28) | M (30) | DNR (31).
const Dw3Row kDw3Table[] = {
    {0x0001'0007, 7, true, {0, 0x00, 0, false, false}, 0x0000, "Successful Completion"},
    {0x8306'0001, 1, false, {1, 0x83, 0, false, true}, 0x4183, "Command Size Limit Exceeded"},
    {0x800C'0002, 2, false, {0, 0x06, 0, false, true}, 0x4006, "Internal Error"},
    {0x000C'0002, 2, false, {0, 0x06, 0, false, false}, 0x0006, "Internal Error"},
    {0x8004'0000, 0, false, {0, 0x02, 0, false, true}, 0x4002, "Invalid Field in Command"},
    {0x8002'0000, 0, false, {0, 0x01, 0, false, true}, 0x4001, "Invalid Command Opcode"},
    {0x8100'FFFF, 0xFFFF, false, {0, 0x80, 0, false, true}, 0x4080, "LBA Out of Range"},
    {0x8214'0000, 0, false, {1, 0x0A, 0, false, true}, 0x410A, "Invalid Format"},
    {0x830B'0000, 0, true, {1, 0x85, 0, false, true}, 0x4185, "Incompatible Namespace or Format"},
    {0x030D'0000, 0, true, {1, 0x86, 0, false, false}, 0x0186, "Fast Copy Not Possible"},
    {0x037F'0000, 0, true, {1, 0xBF, 0, false, false}, 0x01BF, "Invalid Zone State Transition"},
    {0x0500'0000, 0, false, {2, 0x80, 0, false, false}, 0x0280, "Write Fault"},
    {0x4502'0000, 0, false, {2, 0x81, 0, true, false}, 0x2281, "Unrecovered Read Error"},
    {0x1042'0000, 0, false, {0, 0x21, 1, false, false}, 0x0821, "Command Interrupted"},
    {0x3606'0000, 0, false, {3, 0x03, 3, false, false}, 0x1B03, "Asymmetric Access Transition"},
    {0x06E0'0000, 0, false, {3, 0x70, 0, false, false}, 0x0370, "Host Pathing Error"},
    {0x0F80'0000, 0, false, {7, 0xC0, 0, false, false}, 0x07C0, "Vendor Specific"},
    {0x0170'0000, 0, false, {0, 0xB8, 0, false, false}, 0x00B8, "Reserved"},
};

}  // namespace

TEST_CASE("Status: CQE DW3 fields P, SC, SCT, CRD, M, DNR decode from a table of dwords",
          "[nvme][status]") {
  for (const auto& row : kDw3Table) {
    CAPTURE(row.dw3, row.name);
    const CompletionDw3 d = xg::nvme::decode_dw3(row.dw3);
    CHECK(d.cid == row.cid);
    CHECK(d.phase == row.phase);
    CHECK(d.status == row.status);
    CHECK(xg::nvme::encode_dw3(d) == row.dw3);
    CHECK(d.status.to_linux() == row.linux_value);
    CHECK(Status::from_linux(row.linux_value) == row.status);
    CHECK(xg::nvme::status_name(d.status) == row.name);
  }
}

TEST_CASE("Status: named constructors give the values NVM Command Set 1.0 names",
          "[nvme][status]") {
  CHECK(Status::invalid_command_opcode().to_linux() == 0x4001);
  CHECK(Status::invalid_field_in_command().to_linux() == 0x4002);
  CHECK(Status::invalid_namespace_or_format().to_linux() == 0x400B);
  CHECK(Status::lba_out_of_range().to_linux() == 0x4080);
  CHECK(Status::invalid_format().to_linux() == 0x410A);
  CHECK(Status::command_size_limit_exceeded().to_linux() == 0x4183);
  CHECK(Status::incompatible_namespace_or_format().to_linux() == 0x4185);
  CHECK(Status::fast_copy_not_possible().to_linux() == 0x4186);
  CHECK(Status::overlapping_io_range().to_linux() == 0x4187);
  CHECK(Status::internal_error().to_linux() == 0x0006);
  CHECK(Status::success().ok());
  CHECK_FALSE(Status::internal_error().ok());
}

TEST_CASE("Status: describe() names the code, SCT/SC, flags and the Linux value",
          "[nvme][status]") {
  CHECK(xg::nvme::describe(Status::command_size_limit_exceeded()) ==
        "Command Size Limit Exceeded (SCT 1h SC 83h, DNR) [0x4183]");
  Status s = Status::generic(0x21, false);
  s.crd = 2;
  s.more = true;
  CHECK(xg::nvme::describe(s) == "Command Interrupted (SCT 0h SC 21h, More, CRD 2) [0x3021]");
}

TEST_CASE("Status: a 16-byte CQE encodes little-endian per dword and decodes back",
          "[nvme][status]") {
  CompletionEntry cqe;
  cqe.dw0 = 1;  // Copy: range 1 was the first not copied
  cqe.sqhd = 0x0102;
  cqe.sqid = 3;
  cqe.cid = 0x0A0B;
  cqe.phase = true;
  cqe.status = Status::internal_error();
  const auto expected = hex(R"(
    01 00 00 00  // DW0: index of the first source range not copied
    00 00 00 00  // DW1
    02 01        // DW2 15:0 SQHD
    03 00        // DW2 31:16 SQID
    0B 0A        // DW3 15:0 CID
    0D 00        // DW3 31:16 status field: P=1, SC=06h (bits 8:1), SCT 0, DNR 0
  )");
  CHECK(show(xg::test::bytes_of(xg::nvme::encode_completion(cqe))) == show(expected));
  auto back = xg::nvme::decode_completion(expected);
  REQUIRE(back.has_value());
  CHECK(*back == cqe);
}

TEST_CASE("Status: a CQE buffer that is not 16 bytes is refused at the size boundary",
          "[nvme][status]") {
  const auto full = xg::test::bytes_of(xg::nvme::encode_completion({}));
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto r = xg::nvme::decode_completion(xg::test::truncated(full, n));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().offset == n);
  }
  auto longer = full;
  longer.push_back(0);
  auto r = xg::nvme::decode_completion(longer);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().offset == 16);
}
