// NVMe completion status -> SCSI status and sense (the NVM Express SCSI Translation
// Reference 1.5 table, and xgate's rows for codes it does not cover), driven end to end: a READ(10)
// of 40 blocks (three NVMe Reads of 16/16/8 blocks) whose second Read a
// FaultInjectingDevice fails with the status under test.
#include "nvme/spec.h"
#include "tests/translate/lu_test_support.h"
#include "translate/status_map.h"

namespace xg::test {
namespace {

using scsi::SenseKey;
using S = scsi::Status;

struct Expected {
  std::uint8_t sct;
  std::uint8_t sc;
  S status;
  SenseKey key;
  std::uint8_t asc;
  std::uint8_t ascq;
};

// Written from SCSI Translation Reference 1.5 independently of translate/status_map.cc.
constexpr Expected kExpected[] = {
    {0, 0x01, S::kCheckCondition, SenseKey::kIllegalRequest, 0x20, 0x00},
    {0, 0x02, S::kCheckCondition, SenseKey::kIllegalRequest, 0x24, 0x00},
    {0, 0x03, S::kCheckCondition, SenseKey::kIllegalRequest, 0x00, 0x00},
    {0, 0x04, S::kCheckCondition, SenseKey::kMediumError, 0x00, 0x00},
    {0, 0x05, S::kTaskAborted, SenseKey::kNoSense, 0, 0},
    {0, 0x06, S::kCheckCondition, SenseKey::kHardwareError, 0x44, 0x00},
    {0, 0x07, S::kTaskAborted, SenseKey::kNoSense, 0, 0},
    {0, 0x08, S::kTaskAborted, SenseKey::kNoSense, 0, 0},
    {0, 0x09, S::kTaskAborted, SenseKey::kNoSense, 0, 0},
    {0, 0x0A, S::kTaskAborted, SenseKey::kNoSense, 0, 0},
    {0, 0x0B, S::kCheckCondition, SenseKey::kIllegalRequest, 0x20, 0x09},
    {0, 0x0C, S::kCheckCondition, SenseKey::kIllegalRequest, 0x00, 0x00},
    {0, 0x0D, S::kCheckCondition, SenseKey::kIllegalRequest, 0x00, 0x00},  // SGL: default
    {0, 0x20, S::kCheckCondition, SenseKey::kDataProtect, 0x27, 0x00},
    {0, 0x21, S::kCheckCondition, SenseKey::kAbortedCommand, 0x00, 0x00},
    {0, 0x22, S::kCheckCondition, SenseKey::kAbortedCommand, 0x00, 0x00},
    {0, 0x80, S::kCheckCondition, SenseKey::kIllegalRequest, 0x21, 0x00},
    {0, 0x81, S::kCheckCondition, SenseKey::kMediumError, 0x00, 0x00},
    {0, 0x82, S::kCheckCondition, SenseKey::kNotReady, 0x04, 0x00},
    {0, 0x83, S::kReservationConflict, SenseKey::kNoSense, 0, 0},
    {0, 0x84, S::kCheckCondition, SenseKey::kNotReady, 0x04, 0x04},
    {1, 0x0A, S::kCheckCondition, SenseKey::kIllegalRequest, 0x31, 0x01},
    {1, 0x80, S::kCheckCondition, SenseKey::kIllegalRequest, 0x24, 0x00},
    {1, 0x81, S::kCheckCondition, SenseKey::kIllegalRequest, 0x00, 0x00},
    {1, 0x82, S::kCheckCondition, SenseKey::kDataProtect, 0x27, 0x00},
    {1, 0x83, S::kCheckCondition, SenseKey::kIllegalRequest, 0x24, 0x00},
    {1, 0x89, S::kCheckCondition, SenseKey::kAbortedCommand, 0x55, 0x03},
    {1, 0xB8, S::kCheckCondition, SenseKey::kIllegalRequest, 0x00, 0x00},  // other SCT 1
    {2, 0x80, S::kCheckCondition, SenseKey::kMediumError, 0x03, 0x00},
    {2, 0x81, S::kCheckCondition, SenseKey::kMediumError, 0x11, 0x00},
    {2, 0x82, S::kCheckCondition, SenseKey::kMediumError, 0x10, 0x01},
    {2, 0x83, S::kCheckCondition, SenseKey::kMediumError, 0x10, 0x02},
    {2, 0x84, S::kCheckCondition, SenseKey::kMediumError, 0x10, 0x03},
    {2, 0x85, S::kCheckCondition, SenseKey::kMiscompare, 0x1D, 0x00},
    {2, 0x86, S::kCheckCondition, SenseKey::kDataProtect, 0x20, 0x02},
    {2, 0x87, S::kCheckCondition, SenseKey::kIllegalRequest, 0x00, 0x00},
    {2, 0x88, S::kCheckCondition, SenseKey::kMediumError, 0x10, 0x00},
    {2, 0x99, S::kCheckCondition, SenseKey::kMediumError, 0x00, 0x00},  // other SCT 2
    {3, 0x01, S::kCheckCondition, SenseKey::kNotReady, 0x04, 0x0C},
    {3, 0x02, S::kCheckCondition, SenseKey::kNotReady, 0x04, 0x0C},
    {3, 0x03, S::kCheckCondition, SenseKey::kNotReady, 0x04, 0x0A},
    {3, 0x60, S::kCheckCondition, SenseKey::kAbortedCommand, 0x00, 0x00},
    {7, 0x10, S::kCheckCondition, SenseKey::kIllegalRequest, 0x00, 0x00},  // vendor specific
};

TEST_CASE("LU: every NVMe status on a READ(10) -> the TR's SCSI status and sense, MEDIUM "
          "ERROR carries INFORMATION = first LBA of the failed NVMe Read",
          "[translate][lu][status]") {
  const Expected e = GENERATE(from_range(std::begin(kExpected), std::end(kExpected)));
  const nvme::Status status{e.sct, e.sc, 0, false, true};
  INFO(nvme::describe(status));
  LuConfig config;
  config.faults = true;
  LuHarness h(config);
  h.ready();
  h.faults().add_rule(nvme::FaultRule::fail_command(2, status, 0, nvme::kOpcodeRead));
  const ScsiResponse r = h.run(cdb10(0x28, 0, 100, 40));
  CHECK(r.status == e.status);
  CHECK(r.data_in.empty());
  if (e.status != S::kCheckCondition) {
    CHECK(r.sense.empty());
    return;
  }
  scsi::Sense expected;
  expected.key = e.key;
  expected.asc = e.asc;
  expected.ascq = e.ascq;
  if (e.key == SenseKey::kMediumError) expected.information = 116;  // 100 + 16
  CHECK(sense_of(r) == expected);
}

TEST_CASE("LU: a WRITE(16) whose third NVMe Write fails with Write Fault -> MEDIUM ERROR "
          "03/00, INFORMATION 32", "[translate][lu][status]") {
  LuConfig config;
  config.faults = true;
  LuHarness h(config);
  h.ready();
  h.faults().add_rule(nvme::FaultRule::fail_command(3, nvme::Status::media(nvme::kScWriteFault, false),
                                                    0, nvme::kOpcodeWrite));
  const ScsiResponse r = h.run(cdb16(0x8A, 0, 0, 48), pattern(1, 48, 512));
  scsi::Sense expected = scsi::Sense::medium_error(0x03, 0x00);
  expected.information = 32;
  check_sense(r, expected);
  CHECK(show(r.sense) == show(hex(R"(
    F0 00 03           // VALID, current; MEDIUM ERROR
    00 00 00 20        // INFORMATION: LBA 32
    0A 00 00 00 00     // ADDITIONAL SENSE LENGTH, COMMAND-SPECIFIC INFORMATION
    03 00 00 00 00 00  // PERIPHERAL DEVICE WRITE FAULT
  )")));
}

TEST_CASE("LU: Internal Error on SYNCHRONIZE CACHE -> HARDWARE ERROR 44/00",
          "[translate][lu][status]") {
  LuConfig config;
  config.faults = true;
  LuHarness h(config);
  h.ready();
  h.faults().add_rule(nvme::FaultRule::fail_command(1, nvme::Status::internal_error(), 0,
                                                    nvme::kOpcodeFlush));
  check_sense(h.run(cdb10(0x35, 0, 0, 0)), scsi::Sense::hardware_error(0x44, 0x00));
}

TEST_CASE("LU: LBA Out of Range from the controller -> 21/00", "[translate][lu][status]") {
  LuConfig config;
  config.faults = true;
  LuHarness h(config);
  h.ready();
  h.faults().add_rule(nvme::FaultRule::fail_command(1, nvme::Status::lba_out_of_range(), 0,
                                                    nvme::kOpcodeVerify));
  check_sense(h.run(cdb10(0x2F, 0, 0, 1)), scsi::Sense::lba_out_of_range());
}

TEST_CASE("status map: every explicit row is distinct and translate_status() returns it",
          "[translate][status]") {
  const auto rows = translate::status_map_rows();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO("row " << i);
    for (std::size_t j = i + 1; j < rows.size(); ++j) {
      CHECK_FALSE((rows[i].sct == rows[j].sct && rows[i].sc == rows[j].sc));
    }
    const auto t = translate::translate_status({rows[i].sct, rows[i].sc, 0, false, false});
    CHECK(t.status == rows[i].status);
    if (rows[i].status == S::kCheckCondition) {
      REQUIRE(t.sense.has_value());
      CHECK(t.sense->key == rows[i].key);
      CHECK(t.sense->asc == rows[i].asc);
      CHECK(t.sense->ascq == rows[i].ascq);
    }
  }
  CHECK(translate::translate_status(nvme::Status::success()).status == S::kGood);
}

}  // namespace
}  // namespace xg::test
