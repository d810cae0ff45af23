// Standard INQUIRY data (SPC-4 r37 6.6.2, "Standard INQUIRY data format") and the
// PERIPHERAL QUALIFIER / PERIPHERAL DEVICE TYPE byte shared by every VPD page.
//
// The target encodes what translate/ fills in; tests, tools and clients decode. ALLOCATION
// LENGTH truncation is the dispatcher's job (SPC-4 4.2.5.6, once for every command):
// encoders produce the whole
// response.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "scsi/sense.h"

namespace xg::scsi {

// Byte 0 of standard INQUIRY data and of every VPD page (SPC-4 6.6.2):
// b7:5 PERIPHERAL QUALIFIER, b4:0 PERIPHERAL DEVICE TYPE (00h = direct access block).
struct Peripheral {
  std::uint8_t qualifier = 0;    // 000b: LU connected
  std::uint8_t device_type = 0;  // 00h: SBC direct access block device
  friend bool operator==(const Peripheral&, const Peripheral&) = default;
};

std::uint8_t encode_peripheral(const Peripheral& p);  // masks each field to its width
Peripheral decode_peripheral(std::uint8_t byte);

// VERSION 06h: the LU claims SPC-4 (libiscsi changes some expectations at >= 06h).
inline constexpr std::uint8_t kVersionSpc4 = 0x06;
// RESPONSE DATA FORMAT: always 2 (SPC-4 6.6.2); the decoder refuses anything else.
inline constexpr std::uint8_t kResponseDataFormat = 2;
// Bytes 0-35 are mandatory; with VERSION DESCRIPTORs the response is 96 bytes.
inline constexpr std::size_t kStandardInquiryMinLength = 36;
inline constexpr std::size_t kStandardInquiryFullLength = 96;
inline constexpr std::size_t kMaxVersionDescriptors = 8;
// Byte offsets of the identification fields (SPC-4 6.6.2).
inline constexpr std::size_t kT10VendorIdentificationOffset = 8;
inline constexpr std::size_t kVersionDescriptorOffset = 58;

// Decoded standard INQUIRY data. Flags not listed are obsolete or SPI-only and are sent
// as zero. ASCII fields hold the text without the trailing space padding.
struct StandardInquiry {
  Peripheral peripheral;
  bool rmb = false;       // byte 1 b7: removable medium
  bool lu_cong = false;   // byte 1 b6: LU conglomerate
  std::uint8_t version = kVersionSpc4;  // byte 2
  bool normaca = false;   // byte 3 b5
  bool hisup = true;      // byte 3 b4: hierarchical LUNs
  bool sccs = false;      // byte 5 b7
  bool acc = false;       // byte 5 b6
  std::uint8_t tpgs = 0;  // byte 5 b5:4 (00b: no ALUA)
  // byte 5 b3, "3PC": the LU runs a copy manager (EXTENDED COPY, POPULATE TOKEN/WRITE
  // USING TOKEN). translate/ sets it from what the namespace can do.
  bool third_party_copy = false;
  bool protect = false;   // byte 5 b0
  bool encserv = false;   // byte 6 b6
  bool multip = false;    // byte 6 b4
  bool cmdque = true;     // byte 7 b1: full task management model
  std::string t10_vendor_identification;  // bytes 8-15, at most 8 ASCII characters
  std::string product_identification;     // bytes 16-31, at most 16
  std::string product_revision_level;     // bytes 32-35, at most 4
  // bytes 58-73: VERSION DESCRIPTORs (e.g. 0460h SPC-4, 04C0h SBC-3, 0960h iSCSI); zero
  // entries are unused slots and are neither encoded nor decoded.
  std::vector<std::uint16_t> version_descriptors;

  friend bool operator==(const StandardInquiry&, const StandardInquiry&) = default;
};

// 36 bytes (ADDITIONAL LENGTH 1Fh) when there are no version descriptors, otherwise 96
// bytes (ADDITIONAL LENGTH 5Bh). ASCII fields are space-padded or cut to their widths;
// at most the first 8 non-zero version descriptors are sent.
std::vector<std::uint8_t> encode_standard_inquiry(const StandardInquiry& inquiry);

// Reads standard INQUIRY data. Errors (field pointers are byte offsets in `bytes`):
// - fewer than 5 bytes: 1A/00 without a pointer;
// - ADDITIONAL LENGTH running past `bytes`, or describing fewer than 36 bytes: 1A/00 at
//   byte 4;
// - RESPONSE DATA FORMAT other than 2: 26/00 at byte 3 bit 3.
// Bytes past ADDITIONAL LENGTH are ignored; ASCII fields lose trailing spaces and NULs.
Result<StandardInquiry> decode_standard_inquiry(std::span<const std::uint8_t> bytes);

}  // namespace xg::scsi
