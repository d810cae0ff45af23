// Identify Controller / Namespace / NVM- and ZNS-specific Namespace (Base 2.0, NVM Command
// Set 1.0, ZNS 1.1; offsets checked against libnvme 1.3 src/nvme/types.h with offsetof).
#include "nvme/identify.h"

#include "tests/nvme/nvme_test_support.h"
#include "tests/support/catch.h"

using namespace xg::nvme;
using xg::test::Bytes;
using xg::test::hex;
using xg::test::identify_with;
using xg::test::show;

namespace {

// A QEMU 7.2-like controller (measured on QEMU 7.2.22: ONCS 015Dh, OCFS 0003h).
Bytes qemu_controller() {
  return identify_with({
      {0, hex("36 1B  F4 1A")},                  // 1:0 VID 1B36h, 3:2 SSVID 1AF4h
      {4, hex("63 6F 70 79 74 65 73 74 30 31  20 20 20 20 20 20 20 20 20 20")},  // SN
      {24, xg::test::concat({hex("51 45 4D 55 20 4E 56 4D 65 20 43 74 72 6C"), Bytes(26, 0x20)})},   // MN
      {64, hex("37 2E 32 2E 32 32 20 20")},      // 71:64 FR "7.2.22"
      {73, hex("00 54 52")},                     // 75:73 IEEE OUI 525400h
      {77, hex("07")},                           // 77 MDTS 7
      {80, hex("00 04 01 00")},                  // 83:80 VER 1.4
      {520, hex("5D 01")},                       // 521:520 ONCS: bit 8 Copy + 0,2,3,4,6
      {522, hex("00 00")},                       // 523:522 FUSES
      {525, hex("01")},                          // 525 VWC present
      {534, hex("03 00")},                       // 535:534 OCFS formats 0h and 1h
      {768, hex("6E 71 6E 2E 32 30 31 39 2D 30 38 2E 6F 72 67 2E 71 65 6D 75")},  // SUBNQN
  });
}

// QEMU 7.2 namespace with -device nvme-ns,mssrl=16,mcl=32,msrc=3; 4 KiB blocks + 8-byte metadata
// in format 1, extended LBA.
Bytes ns2() {
  return identify_with({
      {0, hex("00 00 10 00 00 00 00 00")},  // 7:0 NSZE 100000h
      {8, hex("00 00 10 00 00 00 00 00")},  // 15:8 NCAP
      {16, hex("00 80 00 00 00 00 00 00")}, // 23:16 NUSE 8000h
      {24, hex("12")},                      // 24 NSFEAT: bit 1 NSABP, bit 4 OPTPERF
      {25, hex("01")},                      // 25 NLBAF = 1 (two formats)
      {26, hex("11")},                      // 26 FLBAS: index 1, bit 4 extended metadata
      {29, hex("01")},                      // 29 DPS: PI type 1
      {46, hex("00 01")},                   // 47:46 NOIOB 256
      {64, hex("07 00 07 00 0F 00 0F 00 1F 00")},  // NPWG 7, NPWA 7, NPDG 15, NPDA 15, NOWS 31
      {74, hex("10 00")},                   // 75:74 MSSRL 16
      {76, hex("20 00 00 00")},             // 79:76 MCL 32
      {80, hex("03")},                      // 80 MSRC 3 (0's based: 4 ranges)
      {120, hex("00 11 22 33 44 55 66 77")},  // 127:120 EUI64
      {128, hex("00 00 09 00")},            // LBAF0: MS 0, LBADS 9 (512), RP 0
      {132, hex("08 00 0C 02")},            // LBAF1: MS 8, LBADS 12 (4096), RP 2
  });
}

}  // namespace

TEST_CASE("Identify Controller: VID/SN/MN/FR/MDTS/ONCS/FUSES/VWC/OCFS at their offsets",
          "[nvme][identify]") {
  const Bytes data = qemu_controller();
  auto id = decode_identify_controller(data);
  REQUIRE(id.has_value());
  CHECK(id->vid == 0x1B36);
  CHECK(id->ssvid == 0x1AF4);
  CHECK(id->sn == "copytest01");
  CHECK(id->mn == "QEMU NVMe Ctrl");
  CHECK(id->fr == "7.2.22");
  CHECK(id->ieee == 0x525400);
  CHECK(id->mdts == 7);
  CHECK(id->ver == 0x00010400);
  CHECK(id->oncs == 0x015D);
  CHECK(id->supports_copy());
  CHECK((id->oncs & kOncsCopySingleAtomicity) == 0);
  CHECK(id->ocfs == 0x0003);
  CHECK(id->supports_copy_format(0));
  CHECK(id->supports_copy_format(1));
  CHECK_FALSE(id->supports_copy_format(2));
  CHECK_FALSE(id->supports_cross_namespace_copy());
  CHECK_FALSE(id->supports_compare_and_write());
  CHECK(id->volatile_write_cache());
  CHECK(id->subnqn == "nqn.2019-08.org.qemu");
  CHECK(show(encode_identify_controller(*id)) == show(data));
}

TEST_CASE("Identify Controller: OCFS bits 2/3 mean cross-namespace copy, ONCS bit 8 "
          "clear means no Copy", "[nvme][identify]") {
  IdentifyController id;
  id.ocfs = 0x0004;
  id.oncs = kOncsCopy | kOncsAllFastCopy;
  id.fuses = kFusesCompareAndWrite;
  auto bytes = encode_identify_controller(id);
  CHECK(bytes[534] == 0x04);
  CHECK(bytes[521] == 0x05);  // ONCS bits 8 and 10 in the high byte
  auto back = decode_identify_controller(bytes);
  REQUIRE(back.has_value());
  CHECK(back->supports_cross_namespace_copy());
  CHECK(back->supports_compare_and_write());
  CHECK(*back == id);
  CHECK_FALSE(IdentifyController{}.supports_copy());
}

TEST_CASE("Identify Namespace: NSZE/FLBAS/DPS/MSSRL/MCL/MSRC/LBAF at their offsets",
          "[nvme][identify]") {
  const Bytes data = ns2();
  auto id = decode_identify_namespace(data);
  REQUIRE(id.has_value());
  CHECK(id->nsze == 0x100000);
  CHECK(id->nuse == 0x8000);
  CHECK(id->nsfeat == 0x12);
  CHECK(id->nlbaf == 1);
  CHECK(id->lba_format_index() == 1);
  CHECK(id->extended_metadata());
  CHECK(id->pi_type() == 1);
  CHECK(id->noiob == 256);
  CHECK(id->npwg == 7);
  CHECK(id->npwa == 7);
  CHECK(id->npdg == 15);
  CHECK(id->npda == 15);
  CHECK(id->nows == 31);
  CHECK(id->mssrl == 16);
  CHECK(id->mcl == 32);
  CHECK(id->msrc == 3);
  CHECK(id->eui64 == std::array<std::uint8_t, 8>{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77});
  CHECK(id->current_lba_format() == LbaFormat{8, 12, 2});
  CHECK(id->logical_block_size() == 4096);
  CHECK(show(encode_identify_namespace(*id)) == show(data));

  const NamespaceCopyInfo info = namespace_copy_info(2, *id);
  CHECK(info.nsid == 2);
  CHECK(info.nsze == 0x100000);
  CHECK(info.mssrl == 16);
  CHECK(info.mcl == 32);
  CHECK(info.msrc == 3);
  CHECK(info.pi_type == 1);
  CHECK(info.lba_data_size == 4096);
  CHECK(info.metadata_size == 8);
}

TEST_CASE("Identify Namespace: FLBAS bits 6:5 extend the format index above 15",
          "[nvme][identify]") {
  IdentifyNamespace id;
  id.nlbaf = 20;
  id.flbas = 0x23;  // bits 6:5 = 01b, bits 3:0 = 3 -> index 19
  id.lbaf[19] = {0, 9, 0};
  auto bytes = encode_identify_namespace(id);
  CHECK(bytes[26] == 0x23);
  CHECK(bytes[128 + 4 * 19 + 2] == 9);
  auto back = decode_identify_namespace(bytes);
  REQUIRE(back.has_value());
  CHECK(back->lba_format_index() == 19);
  CHECK_FALSE(back->extended_metadata());
  CHECK(*back == id);
}

TEST_CASE("Identify: a buffer shorter than 4096 bytes fails at its size (first missing "
          "byte)", "[nvme][identify]") {
  const Bytes ctrl = qemu_controller();
  const Bytes ns = ns2();
  const Bytes zero(4096, 0);
  for (std::size_t n = 0; n < 4096; ++n) {
    auto c = decode_identify_controller(xg::test::truncated(ctrl, n));
    REQUIRE_FALSE(c.has_value());
    REQUIRE(c.error().offset == n);
    auto s = decode_identify_namespace(xg::test::truncated(ns, n));
    REQUIRE_FALSE(s.has_value());
    REQUIRE(s.error().offset == n);
    auto nvm = decode_nvm_identify_namespace(xg::test::truncated(zero, n));
    REQUIRE_FALSE(nvm.has_value());
    REQUIRE(nvm.error().offset == n);
    auto zns = decode_zns_identify_namespace(xg::test::truncated(zero, n));
    REQUIRE_FALSE(zns.has_value());
    REQUIRE(zns.error().offset == n);
  }
  CHECK(decode_identify_controller(xg::test::concat({ctrl, {1, 2, 3}})).has_value());
}

TEST_CASE("Identify Namespace: NLBAF > 63, FLBAS index > NLBAF, LBADS outside 9..31 are "
          "refused at their byte", "[nvme][identify]") {
  const Bytes ns = ns2();
  auto nlbaf = decode_identify_namespace(xg::test::with_byte(ns, 25, 64));
  REQUIRE_FALSE(nlbaf.has_value());
  CHECK(nlbaf.error().offset == 25);
  auto flbas = decode_identify_namespace(xg::test::with_byte(ns, 26, 0x02));
  REQUIRE_FALSE(flbas.has_value());
  CHECK(flbas.error().offset == 26);
  for (std::uint8_t lbads : {0, 8, 32, 255}) {
    auto bad = decode_identify_namespace(xg::test::with_byte(ns, 134, lbads));
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().offset == 134);  // LBAF1 byte 2
  }
  // The unused format 0 is not checked.
  CHECK(decode_identify_namespace(xg::test::with_byte(ns, 130, 0)).has_value());
}

TEST_CASE("NVM Identify Namespace (CNS 05h, CSI 00h): ELBAF STS 6:0 and PIF 8:7 at 12+4i",
          "[nvme][identify]") {
  const Bytes data = identify_with({
      {0, hex("01 00 00 00 00 00 00 00")},  // 7:0 LBSTM
      {8, hex("03")},                       // 8 PIC
      {12, hex("00 00 00 00")},             // ELBAF0: 16b Guard, STS 0
      {16, hex("30 01 00 00")},             // ELBAF1: STS 30h, PIF 2 (64b Guard): bits 8:7
  });
  auto id = decode_nvm_identify_namespace(data);
  REQUIRE(id.has_value());
  CHECK(id->lbstm == 1);
  CHECK(id->pic == 3);
  CHECK(id->elbaf[1] == ExtendedLbaFormat{0x30, 2});
  CHECK(show(encode_nvm_identify_namespace(*id)) == show(data));

  auto ns = decode_identify_namespace(ns2());
  REQUIRE(ns.has_value());
  CHECK(namespace_copy_info(2, *ns, &*id).pif == 2);
}

TEST_CASE("ZNS Identify Namespace (CNS 05h, CSI 02h): OZCS RAZB, MAR/MOR, ZSZE at 2816+16i",
          "[nvme][identify]") {
  const Bytes data = identify_with({
      {0, hex("00 00")},                        // 1:0 ZOC
      {2, hex("01 00")},                        // 3:2 OZCS: RAZB
      {4, hex("0D 00 00 00")},                  // 7:4 MAR 13 (0's based)
      {8, hex("0B 00 00 00")},                  // 11:8 MOR 11
      {2816, hex("00 08 00 00 00 00 00 00")},   // LBAFE0 7:0 ZSZE 800h blocks
      {2816 + 8, hex("02")},                    // LBAFE0 byte 8 ZDES
      {2832, hex("00 01 00 00 00 00 00 00")},   // LBAFE1 ZSZE 100h
  });
  auto id = decode_zns_identify_namespace(data);
  REQUIRE(id.has_value());
  CHECK(id->read_across_zone_boundaries());
  CHECK(id->mar == 13);
  CHECK(id->mor == 11);
  CHECK(id->lbafe[0] == ZoneFormatExtension{0x800, 2});
  CHECK(id->lbafe[1].zsze == 0x100);
  CHECK(show(encode_zns_identify_namespace(*id)) == show(data));
}

TEST_CASE("Identify: controller_copy_caps() carries ONCS, OCFS and the host's CDFE",
          "[nvme][identify]") {
  auto id = decode_identify_controller(qemu_controller());
  REQUIRE(id.has_value());
  const ControllerCopyCaps caps = controller_copy_caps(*id, 0x000C);
  CHECK(caps.oncs == 0x015D);
  CHECK(caps.ocfs == 0x0003);
  CHECK(caps.cdfe == 0x000C);
}
