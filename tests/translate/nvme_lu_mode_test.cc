// MODE SENSE(6)/(10) and MODE SELECT(6)/(10) (SPC-4 6.11-6.14) on the NVMe-backed LU:
// Caching (08h, SBC-4 6.5.5) and Control (0Ah, SPC-4 7.5.8) pages, page control values,
// block descriptors, and the effects of D_SENSE and WCE.
#include "nvme/spec.h"
#include "tests/translate/lu_test_support.h"

namespace xg::test {
namespace {

using scsi::FieldRef;
using scsi::Sense;

const Bytes kCachingCurrent = hex(R"(
  08 12          // PAGE CODE 08h (PS 0, SPF 0), PAGE LENGTH 18
  04             // IC 0 ABPF 0 CAP 0 DISC 0 SIZE 0, WCE 1 (VWC present), MF 0, RCD 0
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  // retention, prefetch, segments
)");
const Bytes kControlCurrent = hex(R"(
  0A 0A          // PAGE CODE 0Ah, PAGE LENGTH 10
  02             // TST 000b, TMF_ONLY 0, DPICZ 0, D_SENSE 0, GLTSD 1, RLEC 0
  10             // QUEUE ALGORITHM MODIFIER 1h (unrestricted), QERR 00b
  00 00          // RAC/UA_INTLCK_CTRL/SWP, ATO/TAS/ATMPE/RWWP/AUTOLOAD all 0
  00 00          // obsolete
  00 00          // BUSY TIMEOUT PERIOD
  00 00          // EXTENDED SELF-TEST COMPLETION TIME
)");

Bytes mode_select6(std::uint8_t length) { return {0x15, 0x10, 0x00, 0x00, length, 0x00}; }

TEST_CASE("LU: MODE SENSE(6) all pages -> header, short block descriptor, caching and "
          "control pages (SPC-4 7.5.4)", "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  const ScsiResponse r = h.run(hex("1A 00 3F 00 FF 00"));
  check_good(r);
  CHECK(r.transfer_length == 255);
  CHECK(show(r.data_in) == show(concat({hex(R"(
    2B             // MODE DATA LENGTH: 44 - 1
    00             // MEDIUM TYPE
    10             // DEVICE-SPECIFIC PARAMETER: WP 0, DPOFUA 1
    08             // BLOCK DESCRIPTOR LENGTH
    00 00 20 00    // NUMBER OF BLOCKS 8192
    00             // DENSITY CODE
    00 02 00       // BLOCK LENGTH 512
  )"), kCachingCurrent, kControlCurrent})));
}

TEST_CASE("LU: MODE SENSE(6) subpage FFh with page 3Fh -> the same pages", "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  CHECK(h.run(hex("1A 00 3F FF FF 00")).data_in == h.run(hex("1A 00 3F 00 FF 00")).data_in);
}

TEST_CASE("LU: MODE SENSE(10) LLBAA=1 control page -> long LBA block descriptor "
          "(SBC-4 6.4.2.3)", "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  const ScsiResponse r = h.run(hex("5A 10 0A 00 00 00 00 00 FF 00"));
  check_good(r);
  CHECK(show(r.data_in) == show(concat({hex(R"(
    00 22          // MODE DATA LENGTH: 36 - 2
    00 10          // MEDIUM TYPE, DEVICE-SPECIFIC PARAMETER (DPOFUA)
    01 00          // LONGLBA 1, reserved
    00 10          // BLOCK DESCRIPTOR LENGTH 16
    00 00 00 00 00 00 20 00  // NUMBER OF LOGICAL BLOCKS 8192
    00 00 00 00              // reserved
    00 00 02 00              // LOGICAL BLOCK LENGTH 512
  )"), kControlCurrent})));
}

TEST_CASE("LU: MODE SENSE(10) DBD=1 caching page -> no block descriptor",
          "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  const ScsiResponse r = h.run(hex("5A 08 08 00 00 00 00 00 FF 00"));
  CHECK(show(r.data_in) ==
        show(concat({hex("00 1A 00 10 00 00 00 00"), kCachingCurrent})));
}

TEST_CASE("LU: MODE SENSE PC=01b (changeable) -> WCE and D_SENSE only", "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  CHECK(show(h.run(hex("1A 08 48 00 FF 00")).data_in) == show(hex(R"(
    17 00 10 00                 // header, no block descriptor
    08 12 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  // WCE changeable
  )")));
  CHECK(show(h.run(hex("1A 08 4A 00 FF 00")).data_in) == show(hex(R"(
    0F 00 10 00
    0A 0A 04 00 00 00 00 00 00 00 00 00  // D_SENSE changeable
  )")));
}

TEST_CASE("LU: MODE SENSE PC=10b (default) control page -> D_SENSE 0", "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  CHECK(show(h.run(hex("1A 08 8A 00 FF 00")).data_in) ==
        show(concat({hex("0F 00 10 00"), kControlCurrent})));
}

TEST_CASE("LU: MODE SENSE PC=11b (saved) -> 39/00 SAVING PARAMETERS NOT SUPPORTED at byte 2 "
          "bit 7", "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(hex("1A 00 C8 00 FF 00")),
              Sense::illegal_request(0x39, 0x00, FieldRef::cdb(2, 7)));
}

TEST_CASE("LU: MODE SENSE of a page the LU does not have (1Ch) -> 24/00 at byte 2 bit 5",
          "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(hex("1A 00 1C 00 FF 00")), Sense::invalid_field_in_cdb(FieldRef::cdb(2, 5)));
}

TEST_CASE("LU: MODE SENSE subpage 01h -> 24/00 at byte 3", "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(hex("1A 00 0A 01 FF 00")), Sense::invalid_field_in_cdb(FieldRef::cdb(3)));
}

TEST_CASE("LU: MODE SELECT(6) D_SENSE=1 -> descriptor-format sense from then on, other "
          "nexuses get MODE PARAMETERS CHANGED 2A/01", "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  auto other = nexus_named("iqn.other");
  h.run(hex("00 00 00 00 00 00"), {}, other);  // its POWER ON
  const Bytes list = concat({hex("00 00 00 00"), with_byte(kControlCurrent, 2, 0x06)});
  const ScsiResponse r = h.run(mode_select6(16), list);
  check_good(r);
  CHECK(r.transfer_length == 16);
  CHECK(show(h.run(hex("1A 08 0A 00 FF 00")).data_in) ==
        show(concat({hex("0F 00 10 00"), with_byte(kControlCurrent, 2, 0x06)})));
  const ScsiResponse bad = h.run(cdb10(0x28, 0, 0, 4097));
  CHECK(show(bad.sense) == show(hex(R"(
    72 05 24 00 00 00 00 08  // descriptor format; ILLEGAL REQUEST 24/00; length 8
    02 06 00 00 C0 00 07 00  // sense key specific: SKSV, C/D, field pointer byte 7
  )")));
  check_good(h.run(hex("00 00 00 00 00 00")));  // no unit attention for the changer
  const ScsiResponse ua = h.run(hex("00 00 00 00 00 00"), {}, other);
  check_sense(ua, Sense::unit_attention(0x2A, 0x01));
  CHECK(ua.sense.at(0) == 0x72);
}

TEST_CASE("LU: MODE SELECT(10) WCE=0 -> every WRITE gets NVMe FUA (write-through)",
          "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  const Bytes list = concat({hex("00 00 00 00 00 00 00 00"), with_byte(kCachingCurrent, 2, 0x00)});
  check_good(h.run(hex("55 10 00 00 00 00 00 00 1C 00"), list));
  CHECK(h.run(hex("1A 08 08 00 FF 00")).data_in.at(6) == 0x00);
  check_good(h.run(cdb10(0x2A, 0, 0, 1), pattern(1, 1, 512)));
  const auto writes = h.recording().io(nvme::kOpcodeWrite);
  REQUIRE(writes.size() == 1);
  CHECK(writes[0].fua);
}

TEST_CASE("LU: MODE SELECT the current values back (Linux sd style) -> GOOD, no unit "
          "attention for anyone", "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  auto other = nexus_named("iqn.other");
  h.run(hex("00 00 00 00 00 00"), {}, other);
  const Bytes list = concat({hex("00 00 00 08  00 00 20 00 00 00 02 00"), kCachingCurrent});
  check_good(h.run(mode_select6(32), list));
  check_good(h.run(hex("00 00 00 00 00 00"), {}, other));
}

TEST_CASE("LU: MODE SELECT changing QUEUE ALGORITHM MODIFIER -> 26/00 at parameter byte 7 "
          "bit 4", "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  const Bytes list = concat({hex("00 00 00 00"), with_byte(kControlCurrent, 3, 0x00)});
  check_sense(h.run(mode_select6(16), list),
              Sense::invalid_field_in_param_list(FieldRef::param(7, 4)));
  CHECK(h.run(hex("1A 08 0A 00 FF 00")).data_in.at(7) == 0x10);  // unchanged
}

TEST_CASE("LU: MODE SELECT of page 1Ch -> 26/00 at the page code (parameter byte 4 bit 5)",
          "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  const Bytes list = hex("00 00 00 00  1C 0A 00 00 00 00 00 00 00 00 00 00");
  check_sense(h.run(mode_select6(16), list),
              Sense::invalid_field_in_param_list(FieldRef::param(4, 5)));
}

TEST_CASE("LU: MODE SELECT with SPF=1 -> 26/00 at parameter byte 4 bit 6",
          "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  const Bytes list = concat({hex("00 00 00 00"), with_byte(kControlCurrent, 0, 0x4A)});
  check_sense(h.run(mode_select6(16), list),
              Sense::invalid_field_in_param_list(FieldRef::param(4, 6)));
}

TEST_CASE("LU: MODE SELECT with a wrong PAGE LENGTH -> 26/00 at parameter byte 5",
          "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  const Bytes list = concat({hex("00 00 00 00"), with_byte(kControlCurrent, 1, 0x09)});
  check_sense(h.run(mode_select6(16), list),
              Sense::invalid_field_in_param_list(FieldRef::param(5)));
}

TEST_CASE("LU: MODE SELECT with a page cut short -> 1A/00 PARAMETER LIST LENGTH ERROR",
          "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  const Bytes list = concat({hex("00 00 00 00"), truncated(kControlCurrent, 8)});
  check_sense(h.run(mode_select6(12), list), Sense::param_list_length_error());
  check_sense(h.run(mode_select6(2), hex("00 00")), Sense::param_list_length_error());
}

TEST_CASE("LU: MODE SELECT with a different block length in the block descriptor -> 26/00 "
          "at parameter byte 9", "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  const Bytes list = hex("00 00 00 08  00 00 00 00 00 00 10 00");
  check_sense(h.run(mode_select6(12), list),
              Sense::invalid_field_in_param_list(FieldRef::param(9)));
}

TEST_CASE("LU: MODE SELECT with a non-zero MEDIUM TYPE -> 26/00 at parameter byte 1",
          "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(mode_select6(4), hex("00 01 00 00")),
              Sense::invalid_field_in_param_list(FieldRef::param(1)));
}

TEST_CASE("LU: MODE SELECT PF=0 -> 24/00 at byte 1 bit 4, SP=1 -> byte 1 bit 0",
          "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(hex("15 00 00 00 04 00"), hex("00 00 00 00")),
              Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4)));
  check_sense(h.run(hex("15 11 00 00 04 00"), hex("00 00 00 00")),
              Sense::invalid_field_in_cdb(FieldRef::cdb(1, 0)));
}

TEST_CASE("LU: MODE SELECT with less Data-Out than PARAMETER LIST LENGTH -> 24/00 at byte 4",
          "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(mode_select6(16), hex("00 00 00 00")),
              Sense::invalid_field_in_cdb(FieldRef::cdb(4)));
}

TEST_CASE("LU: MODE SELECT PARAMETER LIST LENGTH 0 -> GOOD, nothing changes",
          "[translate][lu][mode]") {
  LuHarness h;
  h.ready();
  check_good(h.run(mode_select6(0)));
}

TEST_CASE("LU: no volatile write cache -> WCE 0 and not changeable, MODE SELECT WCE=1 -> "
          "26/00 at parameter byte 6 bit 2, writes without forced FUA", "[translate][lu][mode]") {
  LuConfig config;
  config.hide_vwc = true;
  LuHarness h(config);
  h.ready();
  CHECK(h.run(hex("1A 08 08 00 FF 00")).data_in.at(6) == 0x00);  // current WCE 0
  CHECK(h.run(hex("1A 08 48 00 FF 00")).data_in.at(6) == 0x00);  // not changeable
  check_sense(h.run(mode_select6(24), concat({hex("00 00 00 00"), kCachingCurrent})),
              Sense::invalid_field_in_param_list(FieldRef::param(6, 2)));
  check_good(h.run(cdb10(0x2A, 0, 0, 1), pattern(1, 1, 512)));
  const auto writes = h.recording().io(nvme::kOpcodeWrite);
  REQUIRE(writes.size() == 1);
  CHECK_FALSE(writes[0].fua);
}

}  // namespace
}  // namespace xg::test
