// The NVMe-backed LU's identification and state commands on an EmulatedDevice: INQUIRY
// (SPC-4 6.6) and its VPD pages (SPC-4 7.8, SBC-4 6.6), READ CAPACITY (SBC-4 5.20/5.21),
// TEST UNIT READY, REQUEST SENSE (SPC-4 6.39) and unit attentions (SAM-5 5.14).
//
// The emulated controller (nvme/emulated_device.h): ONCS Compare | DSM | Write Zeroes |
// Verify | Copy, FUSES bit 0, VWC bit 0; the harness namespace has 8192 blocks of 512
// bytes, DLFEAT 09h, MDTS 1 (8 KiB = 16 blocks per NVMe command).
#include "tests/translate/lu_test_support.h"

namespace xg::test {
namespace {

using scsi::FieldRef;
using scsi::Sense;

TEST_CASE("LU: standard INQUIRY -> SPC-4, HISUP, CMDQUE, 3PC clear, identity strings, "
          "version descriptors (SPC-4 6.6.2)", "[translate][lu][inquiry]") {
  LuHarness h;
  const ScsiResponse r = h.run(hex("12 00 00 00 FF 00"));
  check_good(r);
  CHECK(r.transfer_length == 255);
  CHECK(show(r.data_in) == show(hex(R"(
    00                       // PERIPHERAL QUALIFIER 000b, DEVICE TYPE 00h (block)
    00                       // RMB 0, LU_CONG 0
    06                       // VERSION: SPC-4
    12                       // NORMACA 0, HISUP 1, RESPONSE DATA FORMAT 2
    5B                       // ADDITIONAL LENGTH: 96 - 5
    00                       // SCCS 0, ACC 0, TPGS 00b, 3PC 0, PROTECT 0
    00                       // ENCSERV 0, MULTIP 0
    02                       // CMDQUE 1
    58 47 41 54 45 20 20 20  // T10 VENDOR IDENTIFICATION "XGATE"
    4E 56 4D 65 20 6E 61 6D 65 73 70 61 63 65 20 20  // PRODUCT "NVMe namespace"
    30 30 30 31              // PRODUCT REVISION LEVEL "0001"
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  // vendor specific
    00 00                    // reserved
    00 A0 04 60 04 C0 09 60  // VERSION DESCRIPTORS: SAM-5, SPC-4, SBC-3, iSCSI
    00 00 00 00 00 00 00 00  // unused descriptor slots
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  // reserved
  )")));
}

TEST_CASE("LU: INQUIRY is cut to its ALLOCATION LENGTH (SPC-4 4.2.5.6)",
          "[translate][lu][inquiry]") {
  LuHarness h;
  const ScsiResponse r = h.run(hex("12 00 00 00 05 00"));
  check_good(r);
  CHECK(show(r.data_in) == show(hex("00 00 06 12 5B")));
  CHECK(r.transfer_length == 5);
}

TEST_CASE("LU: INQUIRY EVPD=0 with a PAGE CODE -> 24/00 at CDB byte 2",
          "[translate][lu][inquiry]") {
  LuHarness h;
  check_sense(h.run(hex("12 00 80 00 FF 00")), Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
}

TEST_CASE("LU: INQUIRY CMDDT (obsolete byte 1 bit 1) -> 24/00 at byte 1 bit 1",
          "[translate][lu][inquiry]") {
  LuHarness h;
  check_sense(h.run(hex("12 02 00 00 FF 00")), Sense::invalid_field_in_cdb(FieldRef::cdb(1, 1)));
}

TEST_CASE("LU: VPD page 8Fh is not offered yet -> 24/00 at CDB byte 2",
          "[translate][lu][inquiry]") {
  LuHarness h;
  check_sense(h.run(hex("12 01 8F 00 FF 00")), Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
}

TEST_CASE("LU: VPD 00h lists 00h 80h 83h B0h B1h B2h ascending (SPC-4 7.8.16)",
          "[translate][lu][vpd]") {
  LuHarness h;
  const ScsiResponse r = h.run(hex("12 01 00 00 FF 00"));
  check_good(r);
  CHECK(show(r.data_in) == show(hex(R"(
    00 00 00 06          // PQ/type, PAGE CODE 00h, PAGE LENGTH 6
    00 80 83 B0 B1 B2    // supported pages
  )")));
}

TEST_CASE("LU: VPD 80h serial number derived from the unique name (12 hex digits of its "
          "FNV-1a hash)", "[translate][lu][vpd]") {
  LuHarness h;
  const ScsiResponse r = h.run(hex("12 01 80 00 FF 00"));
  check_good(r);
  CHECK(show(r.data_in) == show(hex(R"(
    00 80 00 0C                          // PAGE CODE 80h, PAGE LENGTH 12
    41 31 32 34 39 33 44 31 35 45 36 44  // "A12493D15E6D"
  )")));
}

TEST_CASE("LU: VPD 83h -> NAA 6h, T10 vendor ID, relative target port, target port and "
          "target device names of the nexus (SPC-4 7.8.6)", "[translate][lu][vpd]") {
  LuHarness h;
  const ScsiResponse r = h.run(hex("12 01 83 01 00 00"));
  check_good(r);
  CHECK(show(r.data_in) == show(hex(R"(
    00 83 00 80               // PAGE CODE 83h, PAGE LENGTH 128
    01 03 00 10               // binary, LU, NAA, length 16
    60 01 40 56 DD FA 12 49   // NAA 6h, COMPANY_ID 001405h, vendor specific (hash)
    9C 4D 22 C7 36 2D B2 E5   // VENDOR SPECIFIC IDENTIFIER EXTENSION (hash)
    02 01 00 14               // ASCII, LU, T10 vendor ID, length 20
    58 47 41 54 45 20 20 20   // "XGATE   "
    41 31 32 34 39 33 44 31 35 45 36 44  // serial "A12493D15E6D"
    51 94 00 04               // iSCSI, binary; PIV, target port, relative target port
    00 00 00 01               // RELATIVE TARGET PORT IDENTIFIER 1
    53 98 00 28               // iSCSI, UTF-8; PIV, target port, SCSI name string, 40
    69 71 6E 2E 32 30 32 36 2D 30 31 2E 6F 72 67 2E 78 67 61 74 65 3A 64 69 73 6B 31
    2C 74 2C 30 78 30 30 30 31   // "iqn.2026-01.org.xgate:disk1,t,0x0001"
    00 00 00 00               // NUL terminator and padding to a multiple of 4
    53 A8 00 1C               // iSCSI, UTF-8; PIV, target device, SCSI name string, 28
    69 71 6E 2E 32 30 32 36 2D 30 31 2E 6F 72 67 2E 78 67 61 74 65 3A 64 69 73 6B 31
    00                        // NUL terminator
  )")));
}

TEST_CASE("LU: VPD 83h NAA designator is stable for the same unique name and differs "
          "for another", "[translate][lu][vpd]") {
  LuHarness a;
  LuHarness b;
  const Bytes first = a.run(hex("12 01 83 00 18 00")).data_in;
  CHECK(first == b.run(hex("12 01 83 00 18 00")).data_in);
  translate::LogicalUnitIdentity other;
  other.unique_name = "emulated-test/2";
  other.ieee_company_id = 0x001405;
  auto lu = translate::make_nvme_logical_unit(a.device_ref(), 1, other);
  REQUIRE(lu);
  std::promise<ScsiResponse> p;
  ScsiCommand c;
  c.cdb = hex("12 01 83 00 18 00");
  c.nexus = a.nexus();
  lu->execute(c, [&p](ScsiResponse r) { p.set_value(std::move(r)); });
  const Bytes second = p.get_future().get().data_in;
  REQUIRE(second.size() == first.size());
  CHECK(second != first);
}

TEST_CASE("LU: VPD B0h block limits -> WSNZ, CAW 16, MAXIMUM TRANSFER 4096 (256 x MDTS), "
          "OPTIMAL 16 (one NVMe command), UNMAP and WRITE SAME limits (SBC-4 6.6.4)",
          "[translate][lu][vpd]") {
  LuHarness h;
  const ScsiResponse r = h.run(hex("12 01 B0 00 FF 00"));
  check_good(r);
  CHECK(show(r.data_in) == show(hex(R"(
    00 B0 00 3C               // PAGE CODE B0h, PAGE LENGTH 60
    01                        // WSNZ 1
    10                        // MAXIMUM COMPARE AND WRITE LENGTH 16
    00 00                     // OPTIMAL TRANSFER LENGTH GRANULARITY
    00 00 10 00               // MAXIMUM TRANSFER LENGTH 4096 blocks (2 MiB)
    00 00 00 10               // OPTIMAL TRANSFER LENGTH 16
    00 00 00 00               // MAXIMUM PREFETCH LENGTH
    00 10 00 00               // MAXIMUM UNMAP LBA COUNT 2^20
    00 00 01 00               // MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT 256
    00 00 00 00               // OPTIMAL UNMAP GRANULARITY
    00 00 00 00               // UGAVALID 0, UNMAP GRANULARITY ALIGNMENT
    00 00 00 00 00 40 00 00   // MAXIMUM WRITE SAME LENGTH 2^22
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  // atomic fields
  )")));
  CHECK(h.lu().max_transfer_bytes() == 4096U * 512U);
}

TEST_CASE("LU: max_transfer_bytes is capped at 32 MiB when MDTS allows more",
          "[translate][lu][vpd]") {
  LuConfig config;
  config.mdts = 0;  // no limit: 65,536 blocks per NVMe command
  LuHarness h(config);
  CHECK(h.lu().max_transfer_bytes() == 32U << 20);
  const ScsiResponse r = h.run(hex("12 01 B0 00 10 00"));
  CHECK(show(r.data_in) == show(hex("00 B0 00 3C 01 FF 00 00  00 01 00 00  00 01 00 00")));
}

TEST_CASE("LU: VPD B1h -> non-rotating medium (SBC-4 6.6.2)", "[translate][lu][vpd]") {
  LuHarness h;
  const ScsiResponse r = h.run(hex("12 01 B1 00 FF 00"));
  check_good(r);
  Bytes expected = hex(R"(
    00 B1 00 3C   // PAGE CODE B1h, PAGE LENGTH 60
    00 01         // MEDIUM ROTATION RATE: non-rotating
    00            // PRODUCT TYPE not indicated
    00            // WABEREQ, WACEREQ, NOMINAL FORM FACTOR
    00            // ZONED, FUAB, VBULS
  )");
  expected.resize(64, 0);  // bytes 9-63 reserved
  CHECK(show(r.data_in) == show(expected));
}

TEST_CASE("LU: VPD B2h -> LBPU, LBPWS, LBPWS10, LBPRZ 001b from DLFEAT, thin provisioning "
          "(SBC-4 6.6.6)", "[translate][lu][vpd]") {
  LuHarness h;
  const ScsiResponse r = h.run(hex("12 01 B2 00 FF 00"));
  check_good(r);
  CHECK(show(r.data_in) == show(hex(R"(
    00 B2 00 04   // PAGE CODE B2h, PAGE LENGTH 4
    00            // THRESHOLD EXPONENT
    E4            // LBPU 1, LBPWS 1, LBPWS10 1, LBPRZ 001b, ANC_SUP 0, DP 0
    02            // MINIMUM PERCENTAGE 0, PROVISIONING TYPE 010b (thin)
    00            // THRESHOLD PERCENTAGE
  )")));
}

TEST_CASE("LU: VPD B2h with DLFEAT 000b -> LBPRZ 000b, READ CAPACITY(16) LBPRZ 0",
          "[translate][lu][vpd]") {
  LuConfig config;
  config.dlfeat = 0x00;
  LuHarness h(config);
  CHECK(show(h.run(hex("12 01 B2 00 FF 00")).data_in) == show(hex("00 B2 00 04 00 E0 02 00")));
  h.ready();
  const ScsiResponse r = h.run(hex("9E 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00"));
  check_good(r);
  CHECK(int(r.data_in.at(14)) == 0x80);  // LBPME 1, LBPRZ 0
}

TEST_CASE("LU: READ CAPACITY(10) -> last LBA 1FFFh, 512-byte blocks (SBC-4 5.20)",
          "[translate][lu][capacity]") {
  LuHarness h;
  h.ready();
  const ScsiResponse r = h.run(hex("25 00 00 00 00 00 00 00 00 00"));
  check_good(r);
  CHECK(r.transfer_length == 8);
  CHECK(show(r.data_in) == show(hex(R"(
    00 00 1F FF   // RETURNED LOGICAL BLOCK ADDRESS
    00 00 02 00   // LOGICAL BLOCK LENGTH IN BYTES
  )")));
}

TEST_CASE("LU: READ CAPACITY(10) with an LBA and PMI=0 -> 24/00 at CDB byte 2",
          "[translate][lu][capacity]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(hex("25 00 00 00 00 01 00 00 00 00")),
              Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
}

TEST_CASE("LU: READ CAPACITY(16) -> LBPME 1, LBPRZ 1, RC_BASIS 01b (SBC-4 5.21)",
          "[translate][lu][capacity]") {
  LuHarness h;
  h.ready();
  const ScsiResponse r = h.run(hex("9E 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00"));
  check_good(r);
  CHECK(r.transfer_length == 32);
  CHECK(show(r.data_in) == show(hex(R"(
    00 00 00 00 00 00 1F FF   // RETURNED LOGICAL BLOCK ADDRESS
    00 00 02 00               // LOGICAL BLOCK LENGTH IN BYTES
    10                        // RC_BASIS 01b, P_TYPE 0, PROT_EN 0
    00                        // P_I_EXPONENT 0, LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT 0
    C0 00                     // LBPME 1, LBPRZ 1, LOWEST ALIGNED LBA 0
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  // reserved
  )")));
}

TEST_CASE("LU: SERVICE ACTION IN(16) with an unknown service action -> 24/00 at byte 1 bit 4",
          "[translate][lu][capacity]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(hex("9E 11 00 00 00 00 00 00 00 00 00 00 00 20 00 00")),
              Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4)));
}

TEST_CASE("LU: 4096-byte blocks -> READ CAPACITY(16) block length 4096, B0h in 4 KiB units",
          "[translate][lu][capacity]") {
  LuConfig config;
  config.lba_size = 4096;
  config.capacity = 1024;
  config.mdts = 2;  // 16 KiB = 4 blocks per NVMe command
  LuHarness h(config);
  h.ready();
  const ScsiResponse r = h.run(hex("9E 10 00 00 00 00 00 00 00 00 00 00 00 0C 00 00"));
  CHECK(show(r.data_in) == show(hex("00 00 00 00 00 00 03 FF  00 00 10 00")));
  // 256 NVMe commands x 4 blocks = 1024 blocks = 4 MiB
  CHECK(h.lu().max_transfer_bytes() == 4U << 20);
}

TEST_CASE("LU: TEST UNIT READY -> POWER ON 29/00 first, then GOOD (SAM-5 5.14)",
          "[translate][lu][ua]") {
  LuHarness h;
  check_sense(h.run(hex("00 00 00 00 00 00")), Sense::unit_attention(0x29, 0x00));
  check_good(h.run(hex("00 00 00 00 00 00")));
}

TEST_CASE("LU: unit attention fixed-format bytes -> 70h, key 6, ASC 29h", "[translate][lu][ua]") {
  LuHarness h;
  const ScsiResponse r = h.run(hex("25 00 00 00 00 00 00 00 00 00"));
  CHECK(r.status == scsi::Status::kCheckCondition);
  CHECK(show(r.sense) == show(hex(R"(
    70 00 06 00 00 00 00 0A  // current, UNIT ATTENTION, ADDITIONAL SENSE LENGTH 10
    00 00 00 00              // COMMAND-SPECIFIC INFORMATION
    29 00 00 00 00 00        // POWER ON, RESET, OR BUS DEVICE RESET OCCURRED
  )")));
}

TEST_CASE("LU: INQUIRY neither reports nor clears the unit attention", "[translate][lu][ua]") {
  LuHarness h;
  check_good(h.run(hex("12 00 00 00 24 00")));
  check_sense(h.run(hex("00 00 00 00 00 00")), Sense::unit_attention(0x29, 0x00));
}

TEST_CASE("LU: unit attentions are per I_T nexus", "[translate][lu][ua]") {
  LuHarness h;
  h.ready();
  auto other = nexus_named("iqn.1991-05.com.microsoft:win");
  check_sense(h.run(hex("00 00 00 00 00 00"), {}, other), Sense::unit_attention(0x29, 0x00));
  check_good(h.run(hex("00 00 00 00 00 00"), {}, other));
  check_good(h.run(hex("00 00 00 00 00 00")));
}

TEST_CASE("LU: a lost nexus starts over with POWER ON", "[translate][lu][ua]") {
  LuHarness h;
  h.ready();
  h.lu().nexus_lost(*h.nexus());
  check_sense(h.run(hex("00 00 00 00 00 00")), Sense::unit_attention(0x29, 0x00));
}

TEST_CASE("LU: REQUEST SENSE returns the pending unit attention as data and clears it "
          "(SPC-4 6.39)", "[translate][lu][sense]") {
  LuHarness h;
  const ScsiResponse r = h.run(hex("03 00 00 00 FC 00"));
  check_good(r);
  CHECK(r.transfer_length == 252);
  CHECK(show(r.data_in) == show(hex("70 00 06 00 00 00 00 0A 00 00 00 00 29 00 00 00 00 00")));
  check_good(h.run(hex("00 00 00 00 00 00")));
}

TEST_CASE("LU: REQUEST SENSE with nothing pending -> NO SENSE, DESC=1 -> descriptor format",
          "[translate][lu][sense]") {
  LuHarness h;
  h.ready();
  CHECK(show(h.run(hex("03 00 00 00 12 00")).data_in) ==
        show(hex("70 00 00 00 00 00 00 0A 00 00 00 00 00 00 00 00 00 00")));
  CHECK(show(h.run(hex("03 01 00 00 FF 00")).data_in) == show(hex(R"(
    72 00 00 00   // descriptor format, current; NO SENSE, 00/00
    00 00 00 00   // reserved, ADDITIONAL SENSE LENGTH 0
  )")));
}

TEST_CASE("LU: capacity_changed() -> CAPACITY DATA HAS CHANGED 2A/09 on every nexus",
          "[translate][lu][ua]") {
  LuHarness h;
  h.ready();
  auto other = nexus_named("iqn.other");
  h.run(hex("00 00 00 00 00 00"), {}, other);
  h.lu().capacity_changed();
  check_sense(h.run(hex("00 00 00 00 00 00")), Sense::unit_attention(0x2A, 0x09));
  check_sense(h.run(hex("00 00 00 00 00 00"), {}, other), Sense::unit_attention(0x2A, 0x09));
  check_good(h.run(hex("00 00 00 00 00 00")));
}

TEST_CASE("LU: an unknown operation code -> 20/00 at byte 0", "[translate][lu]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(hex("C0 00 00 00 00 00")),
              Sense::invalid_command_operation_code(FieldRef::cdb(0)));
}

TEST_CASE("LU: a CDB shorter than its CDB SIZE -> 20/00", "[translate][lu]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(hex("28 00 00 00")), Sense::invalid_command_operation_code(FieldRef::cdb(0)));
}

TEST_CASE("LU: NACA in the CONTROL byte -> 24/00 at the CONTROL byte bit 2 (SAM-5 5.2)",
          "[translate][lu]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(hex("00 00 00 00 00 04")), Sense::invalid_field_in_cdb(FieldRef::cdb(5, 2)));
}

TEST_CASE("make_nvme_logical_unit: an inactive NSID -> nullptr and a reason",
          "[translate][lu]") {
  LuHarness h;
  std::string why;
  CHECK(translate::make_nvme_logical_unit(h.device_ref(), 7, {}, &why) == nullptr);
  CHECK(why.find("not active") != std::string::npos);
}

TEST_CASE("LU: GET LBA STATUS(16) -> one 'mapped or unknown' descriptor to the last LBA, past "
          "it -> 21/00 (SBC-4 5.7)", "[translate][lu]") {
  LuHarness h;
  h.ready();
  const ScsiResponse r = h.run(hex("9E 12 00 00 00 00 00 00 00 64 00 00 00 18 00 00"));
  check_good(r);
  CHECK(show(r.data_in) == show(hex(R"(
    00 00 00 14               // PARAMETER DATA LENGTH 20
    00 00 00 00               // reserved
    00 00 00 00 00 00 00 64   // LBA 100 (the STARTING LBA)
    00 00 1F 9C               // NUMBER OF LOGICAL BLOCKS: 8092, to the last LBA
    00 00 00 00               // PROVISIONING STATUS 0h mapped or unknown, reserved
  )")));
  check_sense(h.run(hex("9E 12 00 00 00 00 00 00 20 00 00 00 00 18 00 00")),
              Sense::lba_out_of_range());
}

}  // namespace
}  // namespace xg::test
