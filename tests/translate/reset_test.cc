// Resets through the SCSI target (translate/scsi_target.h) and the unit attentions they
// leave on the I_T nexuses of the NVMe-backed LU (SAM-5 5.14, 6.1, 6.3; SPC-4 ASC table):
//   LOGICAL UNIT RESET   BUS DEVICE RESET FUNCTION OCCURRED 29/03 on the reset LU
//   TARGET WARM RESET    POWER ON, RESET, OR BUS DEVICE RESET OCCURRED 29/00 on every LU
//   TARGET COLD RESET    POWER ON OCCURRED 29/01 on every LU
// on every I_T nexus the LU knows, the one that sent the task management function too
// (SAM-5 6.3.3 e): "every I_T nexus"; libiscsi's MultipathIO.Reset checks every path).
#include "tests/translate/lu_test_support.h"

namespace xg::test {
namespace {

using scsi::Sense;
using translate::ResetEvent;
using translate::ScsiTarget;

const Bytes kTestUnitReady = hex("00 00 00 00 00 00");
const Bytes kInquiry = hex("12 00 00 00 24 00");
const Bytes kReportLuns = hex("A0 00 00 00 00 00 00 00 01 00 00 00");
const Bytes kRequestSenseFixed = hex("03 00 00 00 FF 00");

// LUNs 0 and 1 on one emulated namespace, and two I_T nexuses: `a` sends the resets.
struct ResetHarness {
  LuHarness h;
  ScsiTarget target;
  std::shared_ptr<const ItNexus> a = nexus_named("iqn.2026-12.org.example:path-a");
  std::shared_ptr<const ItNexus> b = nexus_named("iqn.2026-12.org.example:path-b");

  ResetHarness() {
    for (std::uint64_t lun : {0, 1}) {
      translate::LogicalUnitIdentity id;
      id.unique_name = "lun" + std::to_string(lun);
      target.add_lun(lun, translate::make_nvme_logical_unit(h.device_ref(), 1, id));
    }
  }
  ScsiResponse run(const std::shared_ptr<const ItNexus>& nexus, std::uint64_t lun, const Bytes& cdb,
                   const Bytes& data_out = {}) {
    ScsiCommand command;
    command.cdb = cdb;
    command.lun = lun;
    command.nexus = nexus;
    command.data_out = data_out;
    command.expected_transfer_length = static_cast<std::uint32_t>(data_out.size());
    command.direction = data_out.empty() ? DataDirection::kNone : DataDirection::kToDevice;
    std::promise<ScsiResponse> p;
    auto f = p.get_future();
    target.execute(std::move(command), [&p](ScsiResponse r) { p.set_value(std::move(r)); });
    return f.get();
  }
  // Both nexuses have seen both LUs: their first-command POWER ON (29/00) is consumed.
  void settle() {
    for (const auto& nexus : {a, b}) {
      for (std::uint64_t lun : {0, 1}) {
        check_sense(run(nexus, lun, kTestUnitReady),
                    Sense::power_on_reset_or_bus_device_reset_occurred());
        check_good(run(nexus, lun, kTestUnitReady));
      }
    }
  }
  // The nexus's next command to `lun` gets `ua`, exactly once; the one after is GOOD.
  void expect_once(const std::shared_ptr<const ItNexus>& nexus, std::uint64_t lun,
                   const Sense& ua) {
    INFO(nexus->initiator_port << " LUN " << lun);
    check_sense(run(nexus, lun, kTestUnitReady), ua);
    check_good(run(nexus, lun, kTestUnitReady));
  }
};

TEST_CASE("reset: LOGICAL UNIT RESET -> 29/03 once on every I_T nexus of that LU, the "
          "resetting one too, then GOOD, the other LU untouched (SAM-5 6.3.3)",
          "[translate][target][reset]") {
  ResetHarness t;
  t.settle();
  t.target.reset_logical_unit(0);
  t.expect_once(t.b, 0, Sense::bus_device_reset_function_occurred());
  t.expect_once(t.a, 0, Sense::bus_device_reset_function_occurred());
  check_good(t.run(t.a, 1, kTestUnitReady));
  check_good(t.run(t.b, 1, kTestUnitReady));
}

TEST_CASE("reset: after LOGICAL UNIT RESET, INQUIRY and REPORT LUNS pass without reporting "
          "or clearing the unit attention (SAM-5 5.14, SPC-4 6.6, 6.33)",
          "[translate][target][reset]") {
  ResetHarness t;
  t.settle();
  t.target.reset_logical_unit(0);
  check_good(t.run(t.b, 0, kInquiry));
  check_good(t.run(t.b, 0, kReportLuns));
  check_good(t.run(t.b, 0, kInquiry));
  t.expect_once(t.b, 0, Sense::bus_device_reset_function_occurred());
}

TEST_CASE("reset: REQUEST SENSE after LOGICAL UNIT RESET returns 29/03 as data and clears it "
          "(SPC-4 6.39)", "[translate][target][reset]") {
  ResetHarness t;
  t.settle();
  t.target.reset_logical_unit(0);
  const ScsiResponse r = t.run(t.b, 0, kRequestSenseFixed);
  check_good(r);
  CHECK(show(r.data_in) == show(hex(R"(
    70 00 06 00 00 00 00 0A 00 00 00 00   // current, fixed format, UNIT ATTENTION
    29 03 00 00 00 00                     // BUS DEVICE RESET FUNCTION OCCURRED
  )")));
  check_good(t.run(t.b, 0, kTestUnitReady));
  CHECK(show(t.run(t.b, 0, kRequestSenseFixed).data_in) == show(hex(R"(
    70 00 00 00 00 00 00 0A 00 00 00 00   // NO SENSE
    00 00 00 00 00 00                     // NO ADDITIONAL SENSE INFORMATION
  )")));
}

TEST_CASE("reset: TARGET WARM RESET -> 29/00 once on every LU and every nexus, TARGET COLD "
          "RESET -> 29/01 (SAM-5 6.1 table 36, 6.3.1, 6.3.2)", "[translate][target][reset]") {
  ResetHarness t;
  t.settle();
  t.target.reset_target(ResetEvent::kHardReset);
  for (std::uint64_t lun : {0, 1}) {
    t.expect_once(t.a, lun, Sense::power_on_reset_or_bus_device_reset_occurred());
    t.expect_once(t.b, lun, Sense::power_on_reset_or_bus_device_reset_occurred());
  }
  t.target.reset_target(ResetEvent::kPowerOn);
  for (std::uint64_t lun : {0, 1}) {
    t.expect_once(t.a, lun, Sense::power_on_occurred());
    t.expect_once(t.b, lun, Sense::power_on_occurred());
  }
}

TEST_CASE("reset: one reset unit attention per nexus - a pending one of higher or equal "
          "precedence stays, a lower one is replaced (SAM-5 6.1: power on, hard reset, "
          "logical unit reset)", "[translate][target][reset]") {
  ResetHarness t;
  t.settle();
  t.target.reset_logical_unit(0);
  t.target.reset_logical_unit(0);
  t.expect_once(t.b, 0, Sense::bus_device_reset_function_occurred());
  t.target.reset_logical_unit(0);
  t.target.reset_target(ResetEvent::kHardReset);
  t.expect_once(t.b, 0, Sense::power_on_reset_or_bus_device_reset_occurred());
  t.target.reset_target(ResetEvent::kPowerOn);
  t.target.reset_target(ResetEvent::kHardReset);
  t.target.reset_logical_unit(0);
  t.expect_once(t.b, 0, Sense::power_on_occurred());
}

TEST_CASE("reset: a pending MODE PARAMETERS CHANGED stays behind the reset unit attention "
          "(xgate's order: the reset first, its event ranks above the change's)", "[translate][target][reset]") {
  ResetHarness t;
  t.settle();
  const Bytes control_d_sense = hex(R"(
    00 00 00 00                    // mode parameter header(6), no block descriptor
    0A 0A 06 10 00 00 00 00 00 00 00 00   // control page, D_SENSE 1
  )");
  check_good(t.run(t.a, 0, hex("15 10 00 00 10 00"), control_d_sense));
  t.target.reset_logical_unit(0);
  check_sense(t.run(t.b, 0, kTestUnitReady), Sense::bus_device_reset_function_occurred());
  t.expect_once(t.b, 0, Sense::mode_parameters_changed());
}

TEST_CASE("reset: LOGICAL UNIT RESET returns the mode parameters to their defaults - no "
          "saved values exist (SAM-5 6.3.3 d)", "[translate][target][reset]") {
  ResetHarness t;
  t.settle();
  const Bytes control_d_sense = hex(R"(
    00 00 00 00                    // mode parameter header(6), no block descriptor
    0A 0A 06 10 00 00 00 00 00 00 00 00   // control page, D_SENSE 1
  )");
  check_good(t.run(t.a, 0, hex("15 10 00 00 10 00"), control_d_sense));
  CHECK(t.run(t.a, 0, hex("1A 08 0A 00 FF 00")).data_in.at(6) == 0x06);
  t.target.reset_logical_unit(0);
  const ScsiResponse ua = t.run(t.a, 0, kTestUnitReady);
  check_sense(ua, Sense::bus_device_reset_function_occurred());
  CHECK(ua.sense.at(0) == 0x70);  // D_SENSE is 0 again: fixed format
  CHECK(t.run(t.a, 0, hex("1A 08 0A 00 FF 00")).data_in.at(6) == 0x02);
}

}  // namespace
}  // namespace xg::test
