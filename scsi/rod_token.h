// ROD (representation of data) tokens: the 512-byte token POPULATE TOKEN creates, RECEIVE
// ROD TOKEN INFORMATION returns and WRITE USING TOKEN consumes (SPC-4 r37 5.17.6.1, table
// 110 "ROD token format"; ROD types in 5.17.6.2, table 111; block device zero ROD token in
// SBC-4 4.26.4 "Block device zero ROD token").
//
// Layout as the gateway mints it (SPC-4 5.17.6, table "ROD token format"):
//   0-3     ROD TYPE
//   4-5     reserved
//   6-7     ROD TOKEN LENGTH = 01F8h (n-7)
//   8-15    COPY MANAGER ROD TOKEN IDENTIFIER
//   16-47   CREATOR LOGICAL UNIT DESCRIPTOR: a 32-byte E4h identification CSCD descriptor
//           (SPC-4 6.4.5.6): 16 E4h, 17 b4:0 PERIPHERAL DEVICE TYPE, 18-19 RELATIVE
//           INITIATOR PORT IDENTIFIER (written 0, ignored), 20-43 designation descriptor
//           (scsi/designator.h) zero padded, 44-47 device type specific parameters
//           (block devices: 44 b2 PAD, 45-47 DISK BLOCK LENGTH, SPC-4 table 153)
//   48-63   NUMBER OF BYTES REPRESENTED (128 bits, big-endian)
//   64-95   ROD TYPE SPECIFIC data (opaque here)
//   96-127  DEVICE TYPE SPECIFIC data. Block devices carry READ CAPACITY(16) parameter data
//           less its first 8 bytes (SBC-4 5.20.2, table 65; FreeBSD CTL and QNAP do the same):
//             96-99   LOGICAL BLOCK LENGTH
//             100     b3:1 P_TYPE, b0 PROT_EN
//             101     b7:4 P_I_EXPONENT, b3:0 LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT
//             102-103 b7 LBPME, b6 LBPRZ, b5:0 + byte 103 LOWEST ALIGNED LOGICAL BLOCK ADDRESS
//             104-127 reserved
//   128-255 TARGET DEVICE DESCRIPTOR: one designation descriptor (association 10b, target
//           device) zero padded to a fixed 128-byte area. SPC-4 lets the descriptor end
//           anywhere; a fixed area (as QNAP uses) keeps the extended data at a fixed offset.
//   256-511 EXTENDED ROD TOKEN DATA: vendor specific, opaque here. The gateway fills it with
//           its unforgeable part (random id, gateway identity) in translate/.
//
// Decoding never judges whether a token is known, alive or of a supported type: the token
// table does that (23/01, 23/04..09). The decoder only enforces the layout.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "scsi/cscd.h"
#include "scsi/designator.h"
#include "scsi/sense.h"

namespace xg::scsi {

inline constexpr std::size_t kRodTokenSize = 512;
inline constexpr std::uint16_t kRodTokenLength = 0x01F8;  // ROD TOKEN LENGTH for 512 bytes
inline constexpr std::size_t kRodTokenLengthOffset = 6;   // token byte of ROD TOKEN LENGTH
inline constexpr std::size_t kCreatorLuDescriptorOffset = 16;
inline constexpr std::size_t kCreatorLuDescriptorSize = 32;
inline constexpr std::size_t kRodTypeSpecificSize = 32;
inline constexpr std::size_t kTargetDeviceDescriptorOffset = 128;
inline constexpr std::size_t kTargetDeviceDescriptorAreaSize = 128;
inline constexpr std::size_t kExtendedRodTokenDataOffset = 256;
inline constexpr std::size_t kExtendedRodTokenDataSize = 256;

// ROD TYPE values (SPC-4 table 111; SBC-4 for the block device zero ROD token).
inline constexpr std::uint32_t kRodTypeCopyManagerInternal = 0x00000000;
inline constexpr std::uint32_t kRodTypeAccessUponReference = 0x00010000;
inline constexpr std::uint32_t kRodTypePointInTimeDefault = 0x00800000;
inline constexpr std::uint32_t kRodTypePointInTimeChangeVulnerable = 0x00800001;
inline constexpr std::uint32_t kRodTypePointInTimePersistent = 0x00800002;
inline constexpr std::uint32_t kRodTypePointInTimeAny = 0x0080FFFF;
inline constexpr std::uint32_t kRodTypeBlockDeviceZero = 0xFFFF0001;

// "point in time copy - default" and so on; "device type specific", "vendor specific" or
// "reserved" for codes without a name of their own.
std::string_view rod_type_name(std::uint32_t rod_type);

// The four point-in-time types (0080 0000h..0080 0002h and 0080 FFFFh).
bool is_point_in_time_rod_type(std::uint32_t rod_type);

// CREATOR LOGICAL UNIT DESCRIPTOR (token bytes 16-47): an E4h identification CSCD
// descriptor naming the LU the token was populated from.
struct CreatorLogicalUnitDescriptor {
  std::uint8_t peripheral_device_type = 0;  // byte 1 b4:0
  Designator designator;                     // at most kMaxCscdDesignatorLength bytes
  BlockDeviceParameters device_parameters;   // bytes 28-31 (DISK BLOCK LENGTH)
  friend bool operator==(const CreatorLogicalUnitDescriptor&,
                         const CreatorLogicalUnitDescriptor&) = default;
};

// DEVICE TYPE SPECIFIC data of a block device token (token bytes 96-127), i.e. READ
// CAPACITY(16) parameter data bytes 8-31.
struct BlockDeviceTokenData {
  std::uint32_t logical_block_length = 0;
  std::uint8_t p_type = 0;  // 3 bits
  bool prot_en = false;
  std::uint8_t p_i_exponent = 0;                                 // 4 bits
  std::uint8_t logical_blocks_per_physical_block_exponent = 0;   // 4 bits
  bool lbpme = false;
  bool lbprz = false;
  std::uint16_t lowest_aligned_logical_block_address = 0;        // 14 bits
  friend bool operator==(const BlockDeviceTokenData&, const BlockDeviceTokenData&) = default;
};

struct RodToken {
  std::uint32_t rod_type = kRodTypeAccessUponReference;
  std::uint64_t copy_manager_rod_token_identifier = 0;
  // nullopt when bytes 16-47 are all zero (the block device zero ROD token).
  std::optional<CreatorLogicalUnitDescriptor> creator_logical_unit_descriptor;
  // NUMBER OF BYTES REPRESENTED, 128 bits: all FFh means "unknown".
  std::uint64_t number_of_bytes_represented_high = 0;
  std::uint64_t number_of_bytes_represented_low = 0;
  std::array<std::uint8_t, kRodTypeSpecificSize> rod_type_specific{};
  BlockDeviceTokenData device_type_specific;
  // nullopt when bytes 128-255 are all zero.
  std::optional<Designator> target_device_descriptor;
  std::array<std::uint8_t, kExtendedRodTokenDataSize> extended_rod_token_data{};

  friend bool operator==(const RodToken&, const RodToken&) = default;
};

// Decodes the 512-byte token at the reader's position (consuming 512 bytes). Field
// pointers are absolute, so a token read from a WRITE USING TOKEN parameter list (at byte
// 16) reports ROD TOKEN LENGTH as parameter byte 22. Errors, all ILLEGAL REQUEST:
//   23/0A INVALID TOKEN LENGTH  fewer than 512 bytes left (no field pointer: the length
//                               field itself may be missing), or ROD TOKEN LENGTH != 01F8h
//                               (pointer at the ROD TOKEN LENGTH field)
//   23/05 ROD TOKEN CORRUPT     a non-zero creator descriptor that is not an E4h descriptor
//                               with a designation descriptor of at most 20 bytes, or a
//                               non-zero target device area without a valid designation
//                               descriptor (pointer at the failing byte). Such a token
//                               cannot have come from this copy manager.
// Reserved bytes and padding are ignored; re-encoding writes them as zero. To compare a
// presented token with a minted one, compare encode_rod_token() of both.
Result<RodToken> decode_rod_token(base::ByteReader& r);
Result<RodToken> decode_rod_token(std::span<const std::uint8_t> token);

// Appends exactly kRodTokenSize bytes. Designators that do not fit their area (creator >
// 20 bytes, target > 124 bytes) are an internal error (asserted).
void encode_rod_token(const RodToken& token, base::ByteWriter& w);
std::vector<std::uint8_t> encode_rod_token(const RodToken& token);

// The block device zero ROD token (SBC-4 4.26.4): ROD TYPE FFFF0001h, ROD TOKEN LENGTH
// 01F8h, every other byte zero. It stands for an unbounded run of zeroed blocks.
RodToken zero_rod_token();
const std::array<std::uint8_t, kRodTokenSize>& zero_rod_token_bytes();

// True only for the exact zero token: ROD TYPE FFFF0001h and all other fields zero. A
// FFFF0001h token with non-zero reserved bytes is not the zero token (the token table then
// answers 23/04 TOKEN UNKNOWN).
bool rod_token_is_zero_token(const RodToken& token);
bool rod_token_is_zero_token(std::span<const std::uint8_t> token);

}  // namespace xg::scsi
