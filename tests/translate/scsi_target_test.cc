// ScsiTarget (translate/scsi_target.h): REPORT LUNS (SPC-4 6.33), LUNs without a unit
// (SPC-4 6.6.2 PQ 011b, 6.39, SAM-5 5.9.6), routing to the configured units.
#include "tests/translate/lu_test_support.h"

namespace xg::test {
namespace {

using scsi::FieldRef;
using scsi::Sense;
using translate::ScsiTarget;

ScsiResponse run(ScsiTarget& target, std::uint64_t lun, const Bytes& cdb,
                 std::shared_ptr<const ItNexus> nexus) {
  ScsiCommand command;
  command.cdb = cdb;
  command.lun = lun;
  command.nexus = std::move(nexus);
  std::promise<ScsiResponse> p;
  auto f = p.get_future();
  target.execute(std::move(command), [&p](ScsiResponse r) { p.set_value(std::move(r)); });
  return f.get();
}

// A target with LUNs 0, 1 and 300 on one emulated namespace.
struct TargetHarness {
  LuHarness h;
  ScsiTarget target;
  TargetHarness() {
    for (std::uint64_t lun : {300, 0, 1}) {
      translate::LogicalUnitIdentity id;
      id.unique_name = "lun" + std::to_string(lun);
      target.add_lun(lun, translate::make_nvme_logical_unit(h.device_ref(), 1, id));
    }
  }
  ScsiResponse run(std::uint64_t lun, const Bytes& cdb) {
    return xg::test::run(target, lun, cdb, h.nexus());
  }
};

TEST_CASE("target: REPORT LUNS SELECT REPORT 00h -> LUNs ascending, peripheral and flat "
          "space addressing (SAM-5 4.7.7)", "[translate][target]") {
  TargetHarness t;
  CHECK(t.target.lun_count() == 3);
  const ScsiResponse r = t.run(7, hex("A0 00 00 00 00 00 00 00 01 00 00 00"));
  check_good(r);
  CHECK(r.transfer_length == 256);
  CHECK(show(r.data_in) == show(hex(R"(
    00 00 00 18               // LUN LIST LENGTH: 3 x 8
    00 00 00 00               // reserved
    00 00 00 00 00 00 00 00   // LUN 0 (peripheral device addressing)
    00 01 00 00 00 00 00 00   // LUN 1
    41 2C 00 00 00 00 00 00   // LUN 300 (flat space addressing, 01b)
  )")));
}

TEST_CASE("target: REPORT LUNS SELECT REPORT 01h (well known only) -> empty list, 02h -> all",
          "[translate][target]") {
  TargetHarness t;
  CHECK(show(t.run(0, hex("A0 00 01 00 00 00 00 00 01 00 00 00")).data_in) ==
        show(hex("00 00 00 00 00 00 00 00")));
  CHECK(t.run(0, hex("A0 00 02 00 00 00 00 00 01 00 00 00")).data_in ==
        t.run(0, hex("A0 00 00 00 00 00 00 00 01 00 00 00")).data_in);
}

TEST_CASE("target: REPORT LUNS is cut to its ALLOCATION LENGTH", "[translate][target]") {
  TargetHarness t;
  const ScsiResponse r = t.run(0, hex("A0 00 00 00 00 00 00 00 00 10 00 00"));
  check_good(r);
  CHECK(r.transfer_length == 16);
  CHECK(show(r.data_in) == show(hex("00 00 00 18 00 00 00 00 00 00 00 00 00 00 00 00")));
}

TEST_CASE("target: REPORT LUNS SELECT REPORT 03h -> 24/00 at CDB byte 2", "[translate][target]") {
  TargetHarness t;
  check_sense(t.run(0, hex("A0 00 03 00 00 00 00 00 01 00 00 00")),
              Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
}

TEST_CASE("target: REPORT LUNS does not consume the POWER ON unit attention",
          "[translate][target]") {
  TargetHarness t;
  check_good(t.run(0, hex("A0 00 00 00 00 00 00 00 01 00 00 00")));
  check_sense(t.run(0, hex("00 00 00 00 00 00")), Sense::unit_attention(0x29, 0x00));
}

TEST_CASE("target: INQUIRY to a LUN without a unit -> PERIPHERAL QUALIFIER 011b, DEVICE TYPE "
          "1Fh (SPC-4 6.6.2)", "[translate][target]") {
  TargetHarness t;
  const ScsiResponse r = t.run(5, hex("12 00 00 00 FF 00"));
  check_good(r);
  Bytes expected = hex(R"(
    7F          // PQ 011b, PERIPHERAL DEVICE TYPE 1Fh
    00 06 12    // RMB 0, VERSION SPC-4, HISUP 1 + RESPONSE DATA FORMAT 2
    1F          // ADDITIONAL LENGTH 31
    00 00 02    // flags, CMDQUE 1
  )");
  expected.resize(36, 0x20);  // blank identification fields
  CHECK(show(r.data_in) == show(expected));
  CHECK(t.run(5, hex("12 01 00 00 FF 00")).data_in == hex("7F 00 00 01 00"));
  check_sense(t.run(5, hex("12 01 80 00 FF 00")), Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
}

TEST_CASE("target: REQUEST SENSE to a LUN without a unit -> LOGICAL UNIT NOT SUPPORTED as "
          "data (SPC-4 6.39)", "[translate][target]") {
  TargetHarness t;
  const ScsiResponse r = t.run(5, hex("03 00 00 00 FF 00"));
  check_good(r);
  CHECK(show(r.data_in) == show(hex(R"(
    70 00 05 00 00 00 00 0A 00 00 00 00   // current, ILLEGAL REQUEST
    25 00 00 00 00 00                     // LOGICAL UNIT NOT SUPPORTED
  )")));
}

TEST_CASE("target: any other command to a LUN without a unit -> CHECK CONDITION 25/00",
          "[translate][target]") {
  TargetHarness t;
  check_sense(t.run(5, hex("00 00 00 00 00 00")), Sense::illegal_request(0x25, 0x00));
  check_sense(t.run(5, cdb10(0x28, 0, 0, 1)), Sense::illegal_request(0x25, 0x00));
  CHECK(t.target.max_transfer_bytes(5) == 0);
  CHECK(t.target.max_transfer_bytes(300) == 2U << 20);
}

TEST_CASE("target: commands reach the unit of their LUN, nexus_lost reaches every unit",
          "[translate][target]") {
  TargetHarness t;
  check_sense(t.run(1, hex("00 00 00 00 00 00")), Sense::unit_attention(0x29, 0x00));
  check_good(t.run(1, hex("00 00 00 00 00 00")));
  check_sense(t.run(300, hex("00 00 00 00 00 00")), Sense::unit_attention(0x29, 0x00));
  t.target.nexus_lost(*t.h.nexus());
  check_sense(t.run(1, hex("00 00 00 00 00 00")), Sense::unit_attention(0x29, 0x00));
}

}  // namespace
}  // namespace xg::test
