// VPD pages 00h, 80h, 83h (SPC-4 7.8) and B0h, B1h, B2h (SBC-4 6.6), both directions, and
// malformed pages.
#include "scsi/vpd.h"

#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::scsi::Association;
using xg::scsi::Designator;
using xg::scsi::FieldRef;
using xg::scsi::Sense;
using xg::test::Bytes;
using xg::test::hex;
using xg::test::show;
namespace scsi = xg::scsi;

namespace {

// VPD header errors (scsi/vpd.h): a buffer cut anywhere before the end of the page is
// 1A/00, with the pointer at PAGE LENGTH once byte 2 is in the buffer.
template <class Decode>
void check_truncation_at_every_byte(const Bytes& page, Decode decode) {
  for (std::size_t size = 0; size < page.size(); ++size) {
    INFO("size " << size);
    auto r = decode(xg::test::truncated(page, size));
    REQUIRE_FALSE(r.has_value());
    const Sense expected = size > 2 ? Sense::param_list_length_error(FieldRef::param(2))
                                    : Sense::param_list_length_error();
    CHECK(r.error() == expected);
  }
}

// PAGE LENGTH one more than the bytes that follow -> 1A/00 at byte 2; wrong PAGE CODE ->
// 26/00 at byte 1.
template <class Decode>
void check_header_errors(const Bytes& page, Decode decode) {
  const std::size_t length = page.size() - 4 + 1;
  Bytes longer = xg::test::with_byte(page, 2, static_cast<std::uint8_t>(length >> 8));
  longer[3] = static_cast<std::uint8_t>(length);
  auto past = decode(longer);
  REQUIRE_FALSE(past.has_value());
  CHECK(xg::test::fixed_sense_hex(past.error()) ==
        show(hex("70 00 05 00000000 0A 00000000 1A 00 00 80 00 02")));

  auto wrong = decode(xg::test::with_byte(page, 1, static_cast<std::uint8_t>(page[1] ^ 0x01)));
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error() == Sense::invalid_field_in_param_list(FieldRef::param(1)));
}

// ---- 00h ----

const Bytes kSupportedPages = hex(R"(
  00           // PQ 000b, PDT 00h
  00           // PAGE CODE 00h
  00 07        // PAGE LENGTH
  00 80 83 8F  // Supported VPD Pages, Unit Serial Number, Device Identification, 3PC
  B0 B1 B2     // Block Limits, Block Device Characteristics, Logical Block Provisioning
)");

// ---- 83h: NAA 6h + T10 vendor ID + EUI-64 (LU), iSCSI port name + relative port ----

scsi::DeviceIdentificationPage gateway_lu_identification() {
  scsi::DeviceIdentificationPage page;
  page.designators = {
      Designator::naa6(0x001405, 0x123456789, 0x0011223344556677),
      Designator::t10_vendor_id("XGATE", "lun0"),
      Designator::eui64(0x0014050000000001),
      scsi::iscsi_name_designator("iqn.2024-01.io.xgate:tgt,t,0x0001", Association::kTargetPort),
      scsi::relative_target_port_designator(1),
  };
  return page;
}

const Bytes kDeviceIdentification = hex(R"(
  00 83 00 60  // PQ/PDT, PAGE CODE 83h, PAGE LENGTH 96
  // NAA: CODE SET 1h binary; ASSOCIATION 00b (LU), TYPE 3h; LENGTH 16
  01 03 00 10
  60 01 40 51 23 45 67 89  // NAA 6h, IEEE COMPANY_ID 001405h, VENDOR SPECIFIC 123456789h
  00 11 22 33 44 55 66 77  // VENDOR SPECIFIC IDENTIFIER EXTENSION
  // T10 vendor ID: CODE SET 2h ASCII; LU, TYPE 1h; LENGTH 12
  02 01 00 0C
  58 47 41 54 45 20 20 20  // T10 VENDOR IDENTIFICATION "XGATE   "
  6C 75 6E 30              // vendor specific "lun0"
  // EUI-64: binary; LU, TYPE 2h; LENGTH 8
  01 02 00 08
  00 14 05 00 00 00 00 01
  // SCSI name string: PROTOCOL IDENTIFIER 5h iSCSI, CODE SET 3h UTF-8;
  // PIV=1, ASSOCIATION 01b (target port), TYPE 8h; LENGTH 36 (33 chars + NUL, padded)
  53 98 00 24
  69 71 6E 2E 32 30 32 34 2D 30 31 2E 69 6F 2E 78  // "iqn.2024-01.io.x"
  67 61 74 65 3A 74 67 74 2C 74 2C 30 78 30 30 30  // "gate:tgt,t,0x000"
  31 00 00 00                                      // "1", NUL, padding
  // Relative target port: iSCSI, binary; PIV=1, target port, TYPE 4h; LENGTH 4
  51 94 00 04
  00 00 00 01              // obsolete, RELATIVE TARGET PORT IDENTIFIER 1
)");

// Start offsets of the designation descriptors in kDeviceIdentification.
const std::vector<std::size_t> kDesignatorStarts = {4, 24, 40, 52, 92, 100};

// ---- B0h ----

scsi::BlockLimitsPage realistic_block_limits() {
  scsi::BlockLimitsPage p;
  p.wsnz = true;
  p.maximum_compare_and_write_length = 1;
  p.optimal_transfer_length_granularity = 8;  // 4 KiB of 512-byte blocks
  p.maximum_transfer_length = 0x2000;         // 4 MiB
  p.optimal_transfer_length = 0x800;          // 1 MiB
  p.maximum_unmap_lba_count = 0x400000;
  p.maximum_unmap_block_descriptor_count = 0x100;
  p.optimal_unmap_granularity = 8;
  p.ugavalid = true;
  p.unmap_granularity_alignment = 0;
  p.maximum_write_same_length = 0x400000;
  return p;
}

const Bytes kBlockLimits = hex(R"(
  00 B0 00 3C  // PQ/PDT, PAGE CODE B0h, PAGE LENGTH 003Ch
  01           // WSNZ=1
  01           // MAXIMUM COMPARE AND WRITE LENGTH
  00 08        // OPTIMAL TRANSFER LENGTH GRANULARITY
  00 00 20 00  // MAXIMUM TRANSFER LENGTH
  00 00 08 00  // OPTIMAL TRANSFER LENGTH
  00 00 00 00  // MAXIMUM PREFETCH LENGTH
  00 40 00 00  // MAXIMUM UNMAP LBA COUNT
  00 00 01 00  // MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT
  00 00 00 08  // OPTIMAL UNMAP GRANULARITY
  80 00 00 00  // UGAVALID=1, UNMAP GRANULARITY ALIGNMENT 0
  00 00 00 00 00 40 00 00  // MAXIMUM WRITE SAME LENGTH
  00 00 00 00  // MAXIMUM ATOMIC TRANSFER LENGTH
  00 00 00 00  // ATOMIC ALIGNMENT
  00 00 00 00  // ATOMIC TRANSFER LENGTH GRANULARITY
  00 00 00 00  // MAXIMUM ATOMIC TRANSFER LENGTH WITH ATOMIC BOUNDARY
  00 00 00 00  // MAXIMUM ATOMIC BOUNDARY SIZE
)");

// ---- B1h ----

const Bytes kBlockDeviceCharacteristics = xg::test::concat({hex(R"(
  00 B1 00 3C  // PQ/PDT, PAGE CODE B1h, PAGE LENGTH 003Ch
  00 01        // MEDIUM ROTATION RATE 0001h: non-rotating medium
  00           // PRODUCT TYPE not indicated
  03           // WABEREQ 00b, WACEREQ 00b, NOMINAL FORM FACTOR 3h (2.5 inch)
  00           // ZONED 00b, FUAB=0, VBULS=0
)"), Bytes(55, 0)});  // bytes 9-63 reserved

// ---- B2h ----

const Bytes kThinProvisioning = hex(R"(
  00 B2 00 04  // PQ/PDT, PAGE CODE B2h, PAGE LENGTH 4
  00           // THRESHOLD EXPONENT
  E4           // LBPU=1 LBPWS=1 LBPWS10=1 LBPRZ=001b ANC_SUP=0 DP=0
  02           // MINIMUM PERCENTAGE 0, PROVISIONING TYPE 010b thin
  00           // THRESHOLD PERCENTAGE
)");

scsi::LogicalBlockProvisioningPage thin_provisioning() {
  scsi::LogicalBlockProvisioningPage p;
  p.lbpu = p.lbpws = p.lbpws10 = true;
  p.lbprz = 1;
  p.provisioning_type = scsi::kProvisioningThin;
  return p;
}

}  // namespace

TEST_CASE("VPD 00h: supported pages ascending, listing 8Fh (SPC-4 7.8, Windows ODX probe)",
          "[scsi][vpd]") {
  const scsi::SupportedVpdPages model{{}, {0x00, 0x80, 0x83, 0x8F, 0xB0, 0xB1, 0xB2}};
  CHECK(show(scsi::encode_supported_vpd_pages(model)) == show(kSupportedPages));
  auto decoded = scsi::decode_supported_vpd_pages(kSupportedPages);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == model);

  // The encoder sorts and de-duplicates whatever order the caller gives.
  const scsi::SupportedVpdPages scrambled{{}, {0xB2, 0x8F, 0x00, 0x83, 0xB0, 0x80, 0xB1, 0x83}};
  CHECK(show(scsi::encode_supported_vpd_pages(scrambled)) == show(kSupportedPages));
}

TEST_CASE("VPD 00h: a code not above its predecessor -> 26/00 at that code",
          "[scsi][vpd][malformed]") {
  auto swapped = scsi::decode_supported_vpd_pages(xg::test::with_byte(kSupportedPages, 7, 0x80));
  REQUIRE_FALSE(swapped.has_value());  // 00 80 83 80: byte 7 repeats/descends
  CHECK(swapped.error() == Sense::invalid_field_in_param_list(FieldRef::param(7)));
  check_truncation_at_every_byte(kSupportedPages, scsi::decode_supported_vpd_pages);
  check_header_errors(kSupportedPages, scsi::decode_supported_vpd_pages);
}

TEST_CASE("VPD 80h: PRODUCT SERIAL NUMBER verbatim (SPC-4 7.8)", "[scsi][vpd]") {
  const Bytes page = hex(R"(
    00 80 00 0A                    // PQ/PDT, PAGE CODE 80h, PAGE LENGTH 10
    58 47 30 30 30 30 30 30 30 31  // "XG00000001"
  )");
  const scsi::UnitSerialNumberPage model{{}, "XG00000001"};
  CHECK(show(scsi::encode_unit_serial_number(model)) == show(page));
  auto decoded = scsi::decode_unit_serial_number(page);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == model);
  check_truncation_at_every_byte(page, scsi::decode_unit_serial_number);
  check_header_errors(page, scsi::decode_unit_serial_number);
}

TEST_CASE("VPD 83h: NAA 6h, T10 vendor ID, EUI-64, iSCSI port name and relative port "
          "(SPC-4 7.8.6)",
          "[scsi][vpd][vpd83]") {
  CHECK(show(scsi::encode_device_identification(gateway_lu_identification())) ==
        show(kDeviceIdentification));
  auto decoded = scsi::decode_device_identification(kDeviceIdentification);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == gateway_lu_identification());
}

TEST_CASE("VPD 83h: target port group and target device name designators (SPC-4 7.8.6.8/11)",
          "[scsi][vpd][vpd83]") {
  scsi::DeviceIdentificationPage page;
  page.designators = {scsi::target_port_group_designator(0x0002),
                      scsi::iscsi_name_designator("iqn.2024-01.io.xgate:tgt",
                                                  Association::kTargetDevice)};
  const Bytes expected = hex(R"(
    00 83 00 28
    51 95 00 04  // iSCSI, binary; PIV=1, ASSOCIATION 01b, TYPE 5h target port group
    00 00 00 02  // reserved, TARGET PORT GROUP 2
    53 A8 00 1C  // iSCSI, UTF-8; PIV=1, ASSOCIATION 10b (target device), TYPE 8h; 28 bytes
    69 71 6E 2E 32 30 32 34 2D 30 31 2E 69 6F 2E 78  // "iqn.2024-01.io.x"
    67 61 74 65 3A 74 67 74 00 00 00 00              // "gate:tgt", NUL, padding
  )");
  CHECK(show(scsi::encode_device_identification(page)) == show(expected));
  auto decoded = scsi::decode_device_identification(expected);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == page);
}

TEST_CASE("VPD 83h: a page cut inside a designator -> 1A/00 at its header or DESIGNATOR LENGTH",
          "[scsi][vpd][vpd83][malformed]") {
  check_truncation_at_every_byte(kDeviceIdentification, scsi::decode_device_identification);
  check_header_errors(kDeviceIdentification, scsi::decode_device_identification);
  // PAGE LENGTH shortened to each cut, so the designator walk itself meets the end.
  for (std::size_t cut = 4; cut < kDeviceIdentification.size(); ++cut) {
    INFO("cut " << cut);
    Bytes page = xg::test::truncated(kDeviceIdentification, cut);
    page[3] = static_cast<std::uint8_t>(cut - 4);
    auto r = scsi::decode_device_identification(page);
    std::size_t start = 0;
    for (std::size_t s : kDesignatorStarts) {
      if (s <= cut) start = s;
    }
    if (cut == start) {
      REQUIRE(r.has_value());
      continue;
    }
    REQUIRE_FALSE(r.has_value());
    const std::size_t at = cut - start < 4 ? start : start + 3;  // header or DESIGNATOR LENGTH
    CHECK(r.error() == Sense::param_list_length_error(FieldRef::param(at)));
  }
}

TEST_CASE("VPD 83h: reserved ASSOCIATION 11b -> 26/00 at byte 1 bit 5 of that designator",
          "[scsi][vpd][vpd83][malformed]") {
  auto r = scsi::decode_device_identification(
      xg::test::with_byte(kDeviceIdentification, 41, 0x32));  // EUI-64, association 11b
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == Sense::invalid_field_in_param_list(FieldRef::param(41, 5)));
}

TEST_CASE("VPD B0h: PAGE LENGTH 003Ch, every field placed (SBC-4 Block Limits VPD)",
          "[scsi][vpd][b0]") {
  CHECK(show(scsi::encode_block_limits(realistic_block_limits())) == show(kBlockLimits));
  auto decoded = scsi::decode_block_limits(kBlockLimits);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == realistic_block_limits());

  // Distinct values in every field pin each offset.
  scsi::BlockLimitsPage p;
  p.maximum_compare_and_write_length = 0x05;
  p.optimal_transfer_length_granularity = 0x0607;
  p.maximum_transfer_length = 0x08090A0B;
  p.optimal_transfer_length = 0x0C0D0E0F;
  p.maximum_prefetch_length = 0x10111213;
  p.maximum_unmap_lba_count = 0x14151617;
  p.maximum_unmap_block_descriptor_count = 0x18191A1B;
  p.optimal_unmap_granularity = 0x1C1D1E1F;
  p.unmap_granularity_alignment = 0x20212223;
  p.maximum_write_same_length = 0x2425262728292A2B;
  p.maximum_atomic_transfer_length = 0x2C2D2E2F;
  p.atomic_alignment = 0x30313233;
  p.atomic_transfer_length_granularity = 0x34353637;
  p.maximum_atomic_transfer_length_with_atomic_boundary = 0x38393A3B;
  p.maximum_atomic_boundary_size = 0x3C3D3E3F;
  const Bytes bytes = scsi::encode_block_limits(p);
  REQUIRE(bytes.size() == 64);
  for (std::size_t i = 5; i < 64; ++i) CHECK(bytes[i] == i);
  auto back = scsi::decode_block_limits(bytes);
  REQUIRE(back.has_value());
  CHECK(*back == p);
}

TEST_CASE("VPD B0h: PAGE LENGTH below 003Ch -> 1A/00 at byte 2, truncation, header",
          "[scsi][vpd][b0][malformed]") {
  Bytes sbc2 = xg::test::truncated(kBlockLimits, 16);
  sbc2[3] = 0x0C;
  auto r = scsi::decode_block_limits(sbc2);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == Sense::param_list_length_error(FieldRef::param(2)));
  check_truncation_at_every_byte(kBlockLimits, scsi::decode_block_limits);
  check_header_errors(kBlockLimits, scsi::decode_block_limits);
}

TEST_CASE("VPD B1h: non-rotating medium 0001h and form factor (SBC-4 B1h page)",
          "[scsi][vpd][b1]") {
  scsi::BlockDeviceCharacteristicsPage model;
  model.nominal_form_factor = 0x3;
  CHECK(model.medium_rotation_rate == scsi::kMediumRotationRateNonRotating);
  CHECK(show(scsi::encode_block_device_characteristics(model)) ==
        show(kBlockDeviceCharacteristics));
  auto decoded = scsi::decode_block_device_characteristics(kBlockDeviceCharacteristics);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == model);

  scsi::BlockDeviceCharacteristicsPage flags;
  flags.wabereq = 2;
  flags.wacereq = 1;
  flags.nominal_form_factor = 0xF;
  flags.zoned = 2;
  flags.fuab = flags.vbuls = true;
  const Bytes bytes = scsi::encode_block_device_characteristics(flags);
  CHECK(bytes[7] == 0x9F);
  CHECK(bytes[8] == 0x23);
  auto back = scsi::decode_block_device_characteristics(bytes);
  REQUIRE(back.has_value());
  CHECK(*back == flags);
}

TEST_CASE("VPD B1h: malformed pages -> 1A/00 at PAGE LENGTH", "[scsi][vpd][b1][malformed]") {
  check_truncation_at_every_byte(kBlockDeviceCharacteristics,
                                 scsi::decode_block_device_characteristics);
  check_header_errors(kBlockDeviceCharacteristics, scsi::decode_block_device_characteristics);
  Bytes short_page = xg::test::truncated(kBlockDeviceCharacteristics, 9);
  short_page[3] = 5;
  auto r = scsi::decode_block_device_characteristics(short_page);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == Sense::param_list_length_error(FieldRef::param(2)));
}

TEST_CASE("VPD B2h: thin provisioning with UNMAP, DP=0 (SBC-4 LBP VPD page)",
          "[scsi][vpd][b2]") {
  CHECK(show(scsi::encode_logical_block_provisioning(thin_provisioning())) ==
        show(kThinProvisioning));
  auto decoded = scsi::decode_logical_block_provisioning(kThinProvisioning);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == thin_provisioning());
}

TEST_CASE("VPD B2h: DP=1 carries a provisioning group designator after byte 7",
          "[scsi][vpd][b2]") {
  scsi::LogicalBlockProvisioningPage p = thin_provisioning();
  p.threshold_exponent = 0x0C;
  p.anc_sup = true;
  p.minimum_percentage = 0x1F;
  p.threshold_percentage = 0x50;
  p.provisioning_group_descriptor = Designator::eui64(0x0014050000000001);
  const Bytes expected = hex(R"(
    00 B2 00 10
    0C           // THRESHOLD EXPONENT
    E7           // LBPU LBPWS LBPWS10, LBPRZ 001b, ANC_SUP=1, DP=1
    FA           // MINIMUM PERCENTAGE 11111b, PROVISIONING TYPE 010b
    50           // THRESHOLD PERCENTAGE
    01 02 00 08 00 14 05 00 00 00 00 01  // provisioning group descriptor (EUI-64)
  )");
  CHECK(show(scsi::encode_logical_block_provisioning(p)) == show(expected));
  auto decoded = scsi::decode_logical_block_provisioning(expected);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == p);

  // DP=1 with nothing after byte 7: 1A/00 at PAGE LENGTH.
  auto missing = scsi::decode_logical_block_provisioning(
      xg::test::with_byte(kThinProvisioning, 5, 0xE5));
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error() == Sense::param_list_length_error(FieldRef::param(2)));
  // DP=1 with the designator cut: its own DESIGNATOR LENGTH error.
  Bytes cut = xg::test::truncated(expected, 18);
  cut[3] = 14;
  auto short_designator = scsi::decode_logical_block_provisioning(cut);
  REQUIRE_FALSE(short_designator.has_value());
  CHECK(short_designator.error() == Sense::param_list_length_error(FieldRef::param(11)));
}

TEST_CASE("VPD B2h: malformed pages -> 1A/00", "[scsi][vpd][b2][malformed]") {
  check_truncation_at_every_byte(kThinProvisioning, scsi::decode_logical_block_provisioning);
  check_header_errors(kThinProvisioning, scsi::decode_logical_block_provisioning);
  Bytes short_page = xg::test::truncated(kThinProvisioning, 7);
  short_page[3] = 3;
  auto r = scsi::decode_logical_block_provisioning(short_page);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == Sense::param_list_length_error(FieldRef::param(2)));
}
