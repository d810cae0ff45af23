// Third-party Copy VPD page, 8Fh (SPC-4 r37 7.8.17; the 0000h descriptor and the block ROD
// device type specific features descriptor are SBC-4's). ESXi 7 and libiscsi read it for
// EXTENDED COPY; Windows' ODX probe reads it with ALLOCATION LENGTH 255 and looks only at
// the FIRST descriptor, which must be 0000h with length 0020h (SPC-4 7.8.17; Windows
// classpnp, Windows-driver-samples storage/class/classpnp).
//
// Page layout: the 4-byte VPD header (scsi/vpd.h), then third-party copy descriptors
//   bytes 0-1 THIRD-PARTY COPY DESCRIPTOR TYPE
//   bytes 2-3 THIRD-PARTY COPY DESCRIPTOR LENGTH (n - 3, a multiple of 4)
//   bytes 4-n type-specific body, zero-padded to the length
// in ascending type order (SPC-4 7.8.17.1).
//
// The model holds each descriptor this project knows as an optional member; the encoder
// writes the present ones (and any opaque ones) sorted by type, sorts every code list it
// writes, and pads to multiples of 4. The decoder accepts any order, keeps unknown
// descriptors as opaque (type, body) pairs, and reads lists in the order sent (it does not
// judge another target's ordering). Errors, with field pointers as page byte offsets:
// - the VPD header errors of scsi/vpd.h;
// - 1-3 bytes left where a descriptor header should start: 1A/00 at that byte;
// - DESCRIPTOR LENGTH not a multiple of 4: 26/00 at its first byte;
// - DESCRIPTOR LENGTH running past PAGE LENGTH: 1A/00 at its first byte;
// - DESCRIPTOR LENGTH shorter than a fixed-size descriptor of that type: 26/00 at it;
// - an inner list length running past its descriptor: 1A/00 at that list length;
// - 0108h ROD TYPE DESCRIPTORS LENGTH not a multiple of 64: 26/00 at it;
// - 000Ch list length odd: 26/00 at it;
// - a known descriptor type present twice: 26/00 at the second one's type.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "scsi/copy_limits.h"
#include "scsi/rod_token.h"  // ROD type codes
#include "scsi/inquiry.h"
#include "scsi/sense.h"

namespace xg::scsi {

// THIRD-PARTY COPY DESCRIPTOR TYPE codes (SPC-4 7.8.17.1).
inline constexpr std::uint16_t kTpcBlockDeviceRodTokenLimits = 0x0000;
inline constexpr std::uint16_t kTpcSupportedCommands = 0x0001;
inline constexpr std::uint16_t kTpcParameterData = 0x0004;
inline constexpr std::uint16_t kTpcSupportedDescriptors = 0x0008;
inline constexpr std::uint16_t kTpcSupportedCscdDescriptorIds = 0x000C;
inline constexpr std::uint16_t kTpcRodTokenFeatures = 0x0106;
inline constexpr std::uint16_t kTpcSupportedRodTokenAndRodTypes = 0x0108;
inline constexpr std::uint16_t kTpcGeneralCopyOperations = 0x8001;
inline constexpr std::uint16_t kTpcStreamCopyOperations = 0x9101;
inline constexpr std::uint16_t kTpcHeldData = 0xC001;

// ROD TYPE values used in 0108h come from scsi/rod_token.h (kRodType*).

// 0000h Block Device ROD Token Limits (SBC-4), DESCRIPTOR LENGTH 0020h (36 bytes):
// bytes 4-9 reserved, 10-11, 12-15, 16-19, 20-27, 28-35 as below. Blocks; 0 = not reported.
struct BlockDeviceRodTokenLimits {
  std::uint16_t maximum_range_descriptors = 0;
  std::uint32_t maximum_inactivity_timeout = 0;  // seconds
  std::uint32_t default_inactivity_timeout = 0;  // seconds
  std::uint64_t maximum_token_transfer_size = 0;
  std::uint64_t optimal_transfer_count = 0;
  friend bool operator==(const BlockDeviceRodTokenLimits&,
                         const BlockDeviceRodTokenLimits&) = default;
};

// One 0001h Supported Commands entry: OPERATION CODE, SERVICE ACTION LIST LENGTH, service
// actions (the encoder sends them ascending and without duplicates).
struct SupportedCommand {
  std::uint8_t operation_code = 0;
  std::vector<std::uint8_t> service_actions;
  friend bool operator==(const SupportedCommand&, const SupportedCommand&) = default;
};

// 0004h Parameter Data, DESCRIPTOR LENGTH 001Ch: bytes 8-9, 10-11, 12-15, 16-19 (inline
// data length at 16-19; the sg3_utils decoder that reads byte 17 is wrong).
struct ParameterData {
  std::uint16_t maximum_cscd_descriptor_count = 0;
  std::uint16_t maximum_segment_descriptor_count = 0;
  std::uint32_t maximum_descriptor_list_length = 0;
  std::uint32_t maximum_inline_data_length = 0;
  friend bool operator==(const ParameterData&, const ParameterData&) = default;
};

// Block ROD device type specific features descriptor inside 0106h (SBC-4), 48 bytes:
// byte 0 format 000b / PDT 00h, bytes 2-3 length 002Ch, 6-7, 8-15, 16-23, 24-31, 32-39.
// In the 64-bit fields 0 = not reported and all FFh = no limit.
struct BlockRodFeatures {
  std::uint16_t optimal_block_rod_length_granularity = 0;  // blocks
  std::uint64_t maximum_bytes_in_block_rod = 0;
  std::uint64_t optimal_bytes_in_block_rod_transfer = 0;
  std::uint64_t optimal_bytes_to_token_per_segment = 0;
  std::uint64_t optimal_bytes_from_token_per_segment = 0;
  friend bool operator==(const BlockRodFeatures&, const BlockRodFeatures&) = default;
};

// 0106h ROD Token Features: byte 4 b3:0 REMOTE TOKENS, 16-19, 20-23, 24-27 (seconds),
// 46-47 ROD DEVICE TYPE SPECIFIC FEATURES DESCRIPTORS LENGTH, then those descriptors.
struct RodTokenFeatures {
  std::uint8_t remote_tokens = 0;
  std::uint32_t minimum_token_lifetime = 0;
  std::uint32_t maximum_token_lifetime = 0;
  std::uint32_t maximum_token_inactivity_timeout = 0;
  std::optional<BlockRodFeatures> block;  // sent first
  // Other device types' features descriptors, whole (header included), as read.
  std::vector<std::vector<std::uint8_t>> other_device_type_features;
  friend bool operator==(const RodTokenFeatures&, const RodTokenFeatures&) = default;
};

// One 64-byte ROD type descriptor of 0108h: bytes 0-3 ROD TYPE, byte 4 b7 ECPY_INT, b1
// TOKEN_IN, b0 TOKEN_OUT, bytes 6-7 PREFERENCE INDICATOR. Sent in ascending ROD TYPE order.
struct RodTypeDescriptor {
  std::uint32_t rod_type = 0;
  bool ecpy_int = false;
  bool token_in = false;
  bool token_out = false;
  std::uint16_t preference_indicator = 0;
  friend bool operator==(const RodTypeDescriptor&, const RodTypeDescriptor&) = default;
};

// 8001h General Copy Operations, DESCRIPTOR LENGTH 0020h: bytes 4-7, 8-11, 12-15 (bytes),
// 16 and 17 (log2).
struct GeneralCopyOperations {
  std::uint32_t total_concurrent_copies = 0;
  std::uint32_t maximum_identified_concurrent_copies = 0;
  std::uint32_t maximum_segment_length = 0;
  std::uint8_t data_segment_granularity = 0;
  std::uint8_t inline_data_granularity = 0;
  friend bool operator==(const GeneralCopyOperations&, const GeneralCopyOperations&) = default;
};

// 9101h Stream Copy Operations, DESCRIPTOR LENGTH 000Ch: bytes 4-7.
struct StreamCopyOperations {
  std::uint32_t maximum_stream_device_transfer_size = 0;
  friend bool operator==(const StreamCopyOperations&, const StreamCopyOperations&) = default;
};

// C001h Held Data, DESCRIPTOR LENGTH 001Ch: bytes 4-7 HELD DATA LIMIT, 8 granularity (log2).
struct HeldData {
  std::uint32_t held_data_limit = 0;
  std::uint8_t held_data_granularity = 0;
  friend bool operator==(const HeldData&, const HeldData&) = default;
};

// A descriptor of a type not modelled above: its type and body (bytes 4-n, padding
// included, so body.size() is a multiple of 4 when decoded).
struct OpaqueTpcDescriptor {
  std::uint16_t type = 0;
  std::vector<std::uint8_t> body;
  friend bool operator==(const OpaqueTpcDescriptor&, const OpaqueTpcDescriptor&) = default;
};

struct ThirdPartyCopyPage {
  Peripheral peripheral;
  std::optional<BlockDeviceRodTokenLimits> block_device_rod_token_limits;  // 0000h
  std::optional<std::vector<SupportedCommand>> supported_commands;         // 0001h
  std::optional<ParameterData> parameter_data;                             // 0004h
  std::optional<std::vector<std::uint8_t>> supported_descriptors;          // 0008h
  std::optional<std::vector<std::uint16_t>> supported_cscd_descriptor_ids;  // 000Ch
  std::optional<RodTokenFeatures> rod_token_features;                      // 0106h
  std::optional<std::vector<RodTypeDescriptor>> supported_rod_types;       // 0108h
  std::optional<GeneralCopyOperations> general_copy_operations;            // 8001h
  std::optional<StreamCopyOperations> stream_copy_operations;              // 9101h
  std::optional<HeldData> held_data;                                       // C001h
  // Unknown types, in page order. The encoder skips entries whose type is modelled above.
  std::vector<OpaqueTpcDescriptor> other;
  friend bool operator==(const ThirdPartyCopyPage&, const ThirdPartyCopyPage&) = default;
};

std::vector<std::uint8_t> encode_third_party_copy(const ThirdPartyCopyPage& page);
Result<ThirdPartyCopyPage> decode_third_party_copy(std::span<const std::uint8_t> bytes);

// ---- building the page from the copy manager's limits (what translate/ calls) ----

BlockDeviceRodTokenLimits block_device_rod_token_limits(const RodTokenLimits& rod);
ParameterData parameter_data(const CopyManagerLimits& copy);
GeneralCopyOperations general_copy_operations(const CopyManagerLimits& copy);
RodTokenFeatures rod_token_features(const RodTokenLimits& rod);  // REMOTE TOKENS 0h

struct ThirdPartyCopyProfile {
  Peripheral peripheral;
  CopyManagerLimits copy;                   // 0004h, 0008h, 8001h; 9101h/C001h if non-zero
  std::vector<SupportedCommand> commands;   // 0001h, e.g. 83h {00h}, 84h {00h, 03h, 04h}
  std::vector<std::uint16_t> cscd_ids = {0xFFFF};  // 000Ch (FFFFh: "this LU")
  std::optional<RodTokenLimits> rod;        // 0000h, 0106h, 0108h only when ODX is offered
  std::vector<RodTypeDescriptor> rod_types;  // 0108h (with `rod`)
};
// The page the copy manager advertises; its values equal RECEIVE COPY OPERATING PARAMETERS'
// because both come from the same CopyManagerLimits.
ThirdPartyCopyPage third_party_copy_page(const ThirdPartyCopyProfile& profile);

}  // namespace xg::scsi
