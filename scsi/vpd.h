// Vital product data pages (SPC-4 r37 7.8, SBC-4 6.6) other than Third-party Copy (8Fh,
// scsi/vpd_third_party_copy.h): 00h Supported VPD Pages, 80h Unit Serial Number, 83h Device
// Identification, B0h Block Limits, B1h Block Device Characteristics, B2h Logical Block
// Provisioning.
//
// Every page starts with the same 4-byte header (SPC-4 7.8.1, "VPD page format"):
//   byte 0    PERIPHERAL QUALIFIER b7:5 | PERIPHERAL DEVICE TYPE b4:0
//   byte 1    PAGE CODE
//   bytes 2-3 PAGE LENGTH (n - 3)
// Encoders are total and produce the whole page; the dispatcher truncates to ALLOCATION
// LENGTH. Decoders (tests, tools, clients) report problems as Sense values whose field
// pointers are byte offsets into the page:
// - fewer than 4 bytes: 1A/00 (pointer at byte 2 when that byte exists);
// - PAGE CODE not the one asked for: 26/00 at byte 1;
// - PAGE LENGTH running past the buffer: 1A/00 at byte 2.
// Bytes past PAGE LENGTH are ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "scsi/designator.h"
#include "scsi/inquiry.h"
#include "scsi/sense.h"

namespace xg::scsi {

// PAGE CODEs this project sends (SPC-4 7.8.1, SBC-4 6.6 "VPD parameters").
inline constexpr std::uint8_t kVpdSupportedPages = 0x00;
inline constexpr std::uint8_t kVpdUnitSerialNumber = 0x80;
inline constexpr std::uint8_t kVpdDeviceIdentification = 0x83;
inline constexpr std::uint8_t kVpdThirdPartyCopy = 0x8F;
inline constexpr std::uint8_t kVpdBlockLimits = 0xB0;
inline constexpr std::uint8_t kVpdBlockDeviceCharacteristics = 0xB1;
inline constexpr std::uint8_t kVpdLogicalBlockProvisioning = 0xB2;

inline constexpr std::size_t kVpdHeaderLength = 4;

// ---- shared header helpers (also used by vpd_third_party_copy.cc) ----

// Writes bytes 0-3 with PAGE LENGTH 0; returns the offset to hand to finish_vpd_page().
std::size_t begin_vpd_page(base::ByteWriter& w, const Peripheral& p, std::uint8_t page_code);
// Back-patches PAGE LENGTH from what was written after the header.
void finish_vpd_page(base::ByteWriter& w, std::size_t page_start);

// A checked page: its header and a reader over exactly PAGE LENGTH bytes (absolute
// offsets, so the body's first byte is offset 4).
struct VpdPageView {
  Peripheral peripheral;
  std::uint8_t page_code = 0;
  base::ByteReader body;
};
// Checks the header as described at the top of this file.
Result<VpdPageView> open_vpd_page(std::span<const std::uint8_t> bytes,
                                  std::uint8_t expected_page_code);

// ---- 00h Supported VPD Pages (SPC-4 7.8.16) ----
// The list must be ascending (SPC-4; Windows' classpnp disables the ODX probe otherwise).
struct SupportedVpdPages {
  Peripheral peripheral;
  std::vector<std::uint8_t> page_codes;  // includes 00h itself
  friend bool operator==(const SupportedVpdPages&, const SupportedVpdPages&) = default;
};
// Sorts and de-duplicates the caller's list, so the page is always ascending.
std::vector<std::uint8_t> encode_supported_vpd_pages(const SupportedVpdPages& page);
// A code not above its predecessor: 26/00 at that code's byte.
Result<SupportedVpdPages> decode_supported_vpd_pages(std::span<const std::uint8_t> bytes);

// ---- 80h Unit Serial Number (SPC-4 7.8.18) ----
struct UnitSerialNumberPage {
  Peripheral peripheral;
  std::string product_serial_number;  // ASCII, sent and read verbatim (no padding added)
  friend bool operator==(const UnitSerialNumberPage&, const UnitSerialNumberPage&) = default;
};
std::vector<std::uint8_t> encode_unit_serial_number(const UnitSerialNumberPage& page);
Result<UnitSerialNumberPage> decode_unit_serial_number(std::span<const std::uint8_t> bytes);

// ---- 83h Device Identification (SPC-4 7.8.6) ----
// Designation descriptors in the caller's order. For a gateway LU (SPC-4 7.8.6;
// the profile CopyManagerLimits describes): NAA 6h first (ESXi and LIO match E4h CSCDs on it), then
// optional T10 vendor ID and EUI-64 (all association 00b, <= 20 bytes so an E4h CSCD can carry
// them), then the target-port designators below.
struct DeviceIdentificationPage {
  Peripheral peripheral;
  std::vector<Designator> designators;
  friend bool operator==(const DeviceIdentificationPage&,
                         const DeviceIdentificationPage&) = default;
};
std::vector<std::uint8_t> encode_device_identification(const DeviceIdentificationPage& page);
// Designator errors are decode_designator()'s (1A/00 at DESIGNATOR LENGTH, 26/00 for a
// reserved CODE SET or ASSOCIATION), with offsets in the page.
Result<DeviceIdentificationPage> decode_device_identification(
    std::span<const std::uint8_t> bytes);

// PROTOCOL IDENTIFIER for iSCSI (SPC-4 7.6.1, "Protocol identifier values").
inline constexpr std::uint8_t kProtocolIdentifierIscsi = 0x5;

// Target-port designators (association 01b, PIV=1, protocol identifier iSCSI):
// Relative target port, type 4h (SPC-4 7.8.6.7): bytes 0-1 obsolete, 2-3 RELATIVE TARGET
// PORT IDENTIFIER (1 for the first port; 0 is reserved).
Designator relative_target_port_designator(std::uint16_t relative_target_port_identifier);
// Target port group, type 5h (SPC-4 7.8.6.8): bytes 0-1 reserved, 2-3 TARGET PORT GROUP.
Designator target_port_group_designator(std::uint16_t target_port_group);
// SCSI name string, type 8h (SPC-4 7.8.6.11), UTF-8, null-terminated and null-padded to a
// multiple of 4, PIV=1 and protocol identifier iSCSI. `association` is kTargetPort for the
// port name ("iqn...,t,0x0001", RFC 7143 13.3) or kTargetDevice for the target name.
Designator iscsi_name_designator(std::string_view name, Association association);

// ---- B0h Block Limits (SBC-4 6.6, "Block Limits VPD page"), PAGE LENGTH 003Ch ----
// Lengths are in logical blocks; 0 means "not reported" / "no limit" as SBC-4 defines for
// each field.
struct BlockLimitsPage {
  Peripheral peripheral;
  bool wsnz = false;                                       // byte 4 b0
  std::uint8_t maximum_compare_and_write_length = 0;       // byte 5
  std::uint16_t optimal_transfer_length_granularity = 0;   // bytes 6-7
  std::uint32_t maximum_transfer_length = 0;               // bytes 8-11
  std::uint32_t optimal_transfer_length = 0;               // bytes 12-15
  std::uint32_t maximum_prefetch_length = 0;               // bytes 16-19
  std::uint32_t maximum_unmap_lba_count = 0;               // bytes 20-23
  std::uint32_t maximum_unmap_block_descriptor_count = 0;  // bytes 24-27
  std::uint32_t optimal_unmap_granularity = 0;             // bytes 28-31
  bool ugavalid = false;                                   // byte 32 b7
  std::uint32_t unmap_granularity_alignment = 0;           // bytes 32-35 b30:0 (31 bits)
  std::uint64_t maximum_write_same_length = 0;             // bytes 36-43
  std::uint32_t maximum_atomic_transfer_length = 0;        // bytes 44-47
  std::uint32_t atomic_alignment = 0;                      // bytes 48-51
  std::uint32_t atomic_transfer_length_granularity = 0;    // bytes 52-55
  std::uint32_t maximum_atomic_transfer_length_with_atomic_boundary = 0;  // bytes 56-59
  std::uint32_t maximum_atomic_boundary_size = 0;          // bytes 60-63
  friend bool operator==(const BlockLimitsPage&, const BlockLimitsPage&) = default;
};
inline constexpr std::uint16_t kBlockLimitsPageLength = 0x003C;
std::vector<std::uint8_t> encode_block_limits(const BlockLimitsPage& page);
// PAGE LENGTH below 003Ch (an SBC-2 era page): 1A/00 at byte 2.
Result<BlockLimitsPage> decode_block_limits(std::span<const std::uint8_t> bytes);

// ---- B1h Block Device Characteristics (SBC-4 6.6, "Block Device Characteristics VPD
// page"), PAGE LENGTH 003Ch ----
inline constexpr std::uint16_t kMediumRotationRateNotReported = 0x0000;
inline constexpr std::uint16_t kMediumRotationRateNonRotating = 0x0001;  // SSD / NVMe
inline constexpr std::uint16_t kBlockDeviceCharacteristicsPageLength = 0x003C;
struct BlockDeviceCharacteristicsPage {
  Peripheral peripheral;
  std::uint16_t medium_rotation_rate = kMediumRotationRateNonRotating;  // bytes 4-5
  std::uint8_t product_type = 0;         // byte 6 (00h: not indicated)
  std::uint8_t wabereq = 0;              // byte 7 b7:6
  std::uint8_t wacereq = 0;              // byte 7 b5:4
  std::uint8_t nominal_form_factor = 0;  // byte 7 b3:0 (0h: not reported, 3h 2.5", ...)
  std::uint8_t zoned = 0;                // byte 8 b5:4
  bool fuab = false;                     // byte 8 b1
  bool vbuls = false;                    // byte 8 b0
  friend bool operator==(const BlockDeviceCharacteristicsPage&,
                         const BlockDeviceCharacteristicsPage&) = default;
};
std::vector<std::uint8_t> encode_block_device_characteristics(
    const BlockDeviceCharacteristicsPage& page);
// PAGE LENGTH below 003Ch: 1A/00 at byte 2. Bytes 9-63 are reserved and ignored.
Result<BlockDeviceCharacteristicsPage> decode_block_device_characteristics(
    std::span<const std::uint8_t> bytes);

// ---- B2h Logical Block Provisioning (SBC-4 6.6, "Logical Block Provisioning VPD page") ----
// PROVISIONING TYPE (SBC-4 "PROVISIONING TYPE field").
inline constexpr std::uint8_t kProvisioningFull = 0;
inline constexpr std::uint8_t kProvisioningResource = 1;
inline constexpr std::uint8_t kProvisioningThin = 2;
struct LogicalBlockProvisioningPage {
  Peripheral peripheral;
  std::uint8_t threshold_exponent = 0;  // byte 4
  bool lbpu = false;                    // byte 5 b7: UNMAP supported
  bool lbpws = false;                   // byte 5 b6: WRITE SAME(16) with UNMAP
  bool lbpws10 = false;                 // byte 5 b5: WRITE SAME(10) with UNMAP
  std::uint8_t lbprz = 0;               // byte 5 b4:2
  bool anc_sup = false;                 // byte 5 b1
  std::uint8_t minimum_percentage = 0;  // byte 6 b7:3
  std::uint8_t provisioning_type = kProvisioningFull;  // byte 6 b2:0
  std::uint8_t threshold_percentage = 0;                // byte 7
  // Bytes 8-n. DP (byte 5 b0) is 1 exactly when this is present.
  std::optional<Designator> provisioning_group_descriptor;
  friend bool operator==(const LogicalBlockProvisioningPage&,
                         const LogicalBlockProvisioningPage&) = default;
};
std::vector<std::uint8_t> encode_logical_block_provisioning(
    const LogicalBlockProvisioningPage& page);
// PAGE LENGTH below 0004h: 1A/00 at byte 2. DP=1 without room for the descriptor: the
// designator's own 1A/00. DP=0: bytes after byte 7 are ignored.
Result<LogicalBlockProvisioningPage> decode_logical_block_provisioning(
    std::span<const std::uint8_t> bytes);

}  // namespace xg::scsi
