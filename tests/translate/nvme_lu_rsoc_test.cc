// REPORT SUPPORTED OPERATION CODES (SPC-4 6.35) on the NVMe-backed LU: the all-commands
// list, one-command answers with CDB USAGE DATA, timeouts descriptors, and that the list is
// exactly what the LU (behind a ScsiTarget) executes.
#include <set>

#include "nvme/spec.h"
#include "tests/translate/lu_test_support.h"

namespace xg::test {
namespace {

using scsi::FieldRef;
using scsi::Sense;

Bytes rsoc(std::uint8_t options, std::uint8_t op = 0, std::uint16_t sa = 0,
           std::uint32_t allocation = 4096) {
  return {0xA3, 0x0C, options, op, std::uint8_t(sa >> 8), std::uint8_t(sa),
          std::uint8_t(allocation >> 24), std::uint8_t(allocation >> 16),
          std::uint8_t(allocation >> 8), std::uint8_t(allocation), 0, 0};
}

TEST_CASE("LU: RSOC all commands -> one descriptor per implemented command, ascending "
          "(SPC-4 6.35.2)", "[translate][lu][rsoc]") {
  LuHarness h;
  h.ready();
  const ScsiResponse r = h.run(rsoc(0));
  check_good(r);
  CHECK(show(r.data_in) == show(hex(R"(
    00 00 01 10               // COMMAND DATA LENGTH: 34 x 8
    // OPCODE, reserved, SERVICE ACTION, reserved, CTDP|SERVACTV, CDB LENGTH
    00 00 00 00 00 00 00 06   // TEST UNIT READY
    03 00 00 00 00 00 00 06   // REQUEST SENSE
    08 00 00 00 00 00 00 06   // READ(6)
    0A 00 00 00 00 00 00 06   // WRITE(6)
    12 00 00 00 00 00 00 06   // INQUIRY
    15 00 00 00 00 00 00 06   // MODE SELECT(6)
    1A 00 00 00 00 00 00 06   // MODE SENSE(6)
    25 00 00 00 00 00 00 0A   // READ CAPACITY(10)
    28 00 00 00 00 00 00 0A   // READ(10)
    2A 00 00 00 00 00 00 0A   // WRITE(10)
    2E 00 00 00 00 00 00 0A   // WRITE AND VERIFY(10)
    2F 00 00 00 00 00 00 0A   // VERIFY(10)
    34 00 00 00 00 00 00 0A   // PRE-FETCH(10)
    35 00 00 00 00 00 00 0A   // SYNCHRONIZE CACHE(10)
    41 00 00 00 00 00 00 0A   // WRITE SAME(10)
    42 00 00 00 00 00 00 0A   // UNMAP
    55 00 00 00 00 00 00 0A   // MODE SELECT(10)
    5A 00 00 00 00 00 00 0A   // MODE SENSE(10)
    88 00 00 00 00 00 00 10   // READ(16)
    89 00 00 00 00 00 00 10   // COMPARE AND WRITE
    8A 00 00 00 00 00 00 10   // WRITE(16)
    8E 00 00 00 00 00 00 10   // WRITE AND VERIFY(16)
    8F 00 00 00 00 00 00 10   // VERIFY(16)
    90 00 00 00 00 00 00 10   // PRE-FETCH(16)
    91 00 00 00 00 00 00 10   // SYNCHRONIZE CACHE(16)
    93 00 00 00 00 00 00 10   // WRITE SAME(16)
    9E 00 00 10 00 01 00 10   // READ CAPACITY(16): SA 10h, SERVACTV
    9E 00 00 12 00 01 00 10   // GET LBA STATUS(16): SA 12h, SERVACTV
    A0 00 00 00 00 00 00 0C   // REPORT LUNS
    A3 00 00 0C 00 01 00 0C   // REPORT SUPPORTED OPERATION CODES: SA 0Ch, SERVACTV
    A8 00 00 00 00 00 00 0C   // READ(12)
    AA 00 00 00 00 00 00 0C   // WRITE(12)
    AE 00 00 00 00 00 00 0C   // WRITE AND VERIFY(12)
    AF 00 00 00 00 00 00 0C   // VERIFY(12)
  )")));
}

TEST_CASE("LU: RSOC all commands with RCTD -> 20-byte descriptors with CTDP and a command "
          "timeouts descriptor", "[translate][lu][rsoc]") {
  LuHarness h;
  h.ready();
  const ScsiResponse r = h.run(rsoc(0x80));
  check_good(r);
  REQUIRE(r.data_in.size() == 4 + 34 * 20);
  CHECK(show(Bytes(r.data_in.begin(), r.data_in.begin() + 24)) == show(hex(R"(
    00 00 02 A8               // COMMAND DATA LENGTH: 34 x 20
    00 00 00 00 00 02 00 06   // TEST UNIT READY, CTDP 1
    00 0A 00 00               // DESCRIPTOR LENGTH 10, reserved, COMMAND SPECIFIC
    00 00 00 00 00 00 00 00   // NOMINAL / RECOMMENDED TIMEOUT: not specified
  )")));
}

TEST_CASE("LU: RSOC one command READ(10) -> SUPPORT 011b and its CDB USAGE DATA "
          "(SPC-4 6.35.3)", "[translate][lu][rsoc]") {
  LuHarness h;
  h.ready();
  CHECK(show(h.run(rsoc(1, 0x28)).data_in) == show(hex(R"(
    00 03 00 0A               // reserved, CTDP 0 SUPPORT 011b, CDB SIZE 10
    28 1E FF FF FF FF 1F FF FF C0  // usage: DPO FUA RARC FUA_NV, LBA, GROUP, LENGTH, CONTROL
  )")));
}

TEST_CASE("LU: RSOC one command READ CAPACITY(16) by service action, with RCTD",
          "[translate][lu][rsoc]") {
  LuHarness h;
  h.ready();
  CHECK(show(h.run(rsoc(0x82, 0x9E, 0x10)).data_in) == show(hex(R"(
    00 83 00 10               // CTDP 1, SUPPORT 011b, CDB SIZE 16
    9E 10 FF FF FF FF FF FF FF FF FF FF FF FF 01 C0  // usage data
    00 0A 00 00 00 00 00 00 00 00 00 00              // command timeouts descriptor
  )")));
}

TEST_CASE("LU: RSOC one command for an opcode the LU lacks -> SUPPORT 001b",
          "[translate][lu][rsoc]") {
  LuHarness h;
  h.ready();
  CHECK(show(h.run(rsoc(1, 0x83)).data_in) == show(hex("00 01 00 00")));
  CHECK(show(h.run(rsoc(2, 0x9E, 0x11)).data_in) == show(hex("00 01 00 00")));
  CHECK(show(h.run(rsoc(3, 0x28, 0)).data_in) == show(hex("00 03 00 0A 28 1E FF FF FF FF 1F FF FF C0")));
}

TEST_CASE("LU: RSOC REPORTING OPTIONS 001b for a command with service actions -> 24/00 at "
          "byte 3, 010b for one without -> byte 3", "[translate][lu][rsoc]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(rsoc(1, 0x9E)), Sense::invalid_field_in_cdb(FieldRef::cdb(3)));
  check_sense(h.run(rsoc(2, 0x28, 0)), Sense::invalid_field_in_cdb(FieldRef::cdb(3)));
  check_sense(h.run(rsoc(3, 0x28, 1)), Sense::invalid_field_in_cdb(FieldRef::cdb(4)));
}

TEST_CASE("LU: RSOC reserved REPORTING OPTIONS 100b -> 24/00 at byte 2 bit 2",
          "[translate][lu][rsoc]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(rsoc(4, 0x28)), Sense::invalid_field_in_cdb(FieldRef::cdb(2, 2)));
}

TEST_CASE("LU: RSOC without Dataset Management and fused commands -> UNMAP and COMPARE AND "
          "WRITE not listed, SUPPORT 001b for them", "[translate][lu][rsoc]") {
  LuConfig config;
  config.hide_oncs = nvme::kOncsDatasetManagement;
  config.hide_fused = true;
  LuHarness h(config);
  h.ready();
  const Bytes list = h.run(rsoc(0)).data_in;
  CHECK(list.size() == 4 + 32 * 8);
  for (std::size_t at = 4; at < list.size(); at += 8) {
    CHECK(list[at] != 0x42);
    CHECK(list[at] != 0x89);
  }
  CHECK(show(h.run(rsoc(1, 0x42)).data_in) == show(hex("00 01 00 00")));
  CHECK(show(h.run(rsoc(1, 0x89)).data_in) == show(hex("00 01 00 00")));
}

// Every operation code without service actions: listed by RSOC <=> the target does not
// answer INVALID COMMAND OPERATION CODE (bytes after the opcode zero, LUN 0).
TEST_CASE("LU: RSOC is truthful - exactly the listed opcodes execute behind a ScsiTarget",
          "[translate][lu][rsoc]") {
  LuHarness h;
  translate::ScsiTarget target;
  target.add_lun(0, translate::make_nvme_logical_unit(h.device_ref(), 1, {}));
  auto run = [&](const Bytes& cdb) {
    ScsiCommand c;
    c.cdb = cdb;
    c.nexus = h.nexus();
    std::promise<ScsiResponse> p;
    auto f = p.get_future();
    target.execute(c, [&p](ScsiResponse r) { p.set_value(std::move(r)); });
    return f.get();
  };
  run(hex("00 00 00 00 00 00"));  // POWER ON
  const Bytes list = run(rsoc(0)).data_in;
  std::set<std::uint8_t> listed;
  for (std::size_t at = 4; at + 8 <= list.size(); at += 8) {
    if ((list[at + 5] & 0x01) == 0) listed.insert(list[at]);
  }
  REQUIRE(listed.size() == 31);
  for (unsigned op = 0; op < 256; ++op) {
    // Service-action commands (READ CAPACITY(16), RSOC, and the third-party copy commands
    // the target's copy manager executes): checked by service action below.
    if (op == 0x9E || op == 0xA3 || op == 0x83 || op == 0x84) continue;
    Bytes cdb(16, 0);
    cdb[0] = std::uint8_t(op);
    const ScsiResponse r = run(cdb);
    bool invalid_opcode = false;
    if (r.status == scsi::Status::kCheckCondition) {
      const Sense s = sense_of(r);
      invalid_opcode = s.key == scsi::SenseKey::kIllegalRequest && s.asc == 0x20 && s.ascq == 0;
    }
    INFO("opcode " << op);
    CHECK(invalid_opcode == (listed.count(std::uint8_t(op)) == 0));
  }
  check_sense(run(hex("9E 11 00 00 00 00 00 00 00 00 00 00 00 20 00 00")),
              Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4)));
  check_sense(run(hex("A3 0D 00 00 00 00 00 00 10 00 00 00")),
              Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4)));
  // Behind a ScsiTarget the copy manager is attached: EXTENDED COPY(LID1) with PARAMETER
  // LIST LENGTH 0 is GOOD; service actions it does not execute (WRITE USING TOKEN, RRTI)
  // are an invalid SERVICE ACTION, not an invalid operation code.
  check_good(run(hex("83 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00")));
  check_sense(run(hex("83 11 00 00 00 00 00 00 00 00 00 00 00 00 00 00")),
              Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4)));
  check_sense(run(hex("84 07 00 00 00 00 00 00 00 00 00 00 02 00 00 00")),
              Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4)));
}

}  // namespace
}  // namespace xg::test
