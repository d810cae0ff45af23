// The 16-byte CDBs of THIRD-PARTY COPY OUT (83h) and THIRD-PARTY COPY IN (84h), both
// directions (SPC-4 r37 6.3 COPY OPERATION ABORT, 6.4 EXTENDED COPY(LID4), 6.5 EXTENDED
// COPY(LID1), 6.18 RECEIVE COPY DATA(LID1), 6.19 RECEIVE COPY DATA(LID4), 6.20 RECEIVE COPY
// FAILURE DETAILS(LID1), 6.21 RECEIVE COPY OPERATING PARAMETERS, 6.22 RECEIVE COPY
// STATUS(LID1), 6.23 RECEIVE COPY STATUS(LID4), 6.25 RECEIVE ROD TOKEN INFORMATION, 6.26
// REPORT ALL ROD TOKENS; SBC-4 5.12.1 POPULATE TOKEN, 5.59.1 WRITE USING TOKEN).
//
// Common shape: byte 0 OPERATION CODE, byte 1 b7:5 reserved / b4:0 SERVICE ACTION,
// bytes 10-13 PARAMETER LIST LENGTH (83h) or ALLOCATION LENGTH (84h), byte 15 CONTROL.
// LIST IDENTIFIER sits in byte 2 (84h/00h, 01h, 04h), bytes 2-5 (83h/1Ch, 84h/05h..07h) or
// bytes 6-9 (83h/10h, 11h); EXTENDED COPY carries it in the parameter list instead. GROUP
// NUMBER (byte 14) exists only in POPULATE TOKEN and WRITE USING TOKEN. Everything else is
// reserved and checked through a per-service-action usage mask (FreeBSD CTL
// ctl_cmd_table.c style): a set bit outside the mask is reported with its byte and bit.
//
// Whether a service action is *supported* is the copy manager's decision, not this file's:
// every service action listed here decodes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "scsi/sense.h"

namespace xg::scsi {

inline constexpr std::size_t kThirdPartyCopyCdbSize = 16;
inline constexpr std::uint8_t kThirdPartyCopyOut = 0x83;
inline constexpr std::uint8_t kThirdPartyCopyIn = 0x84;

// THIRD-PARTY COPY OUT service actions (SPC-4 table 102 / SBC-4).
inline constexpr std::uint8_t kSaExtendedCopyLid1 = 0x00;
inline constexpr std::uint8_t kSaExtendedCopyLid4 = 0x01;
inline constexpr std::uint8_t kSaPopulateToken = 0x10;
inline constexpr std::uint8_t kSaWriteUsingToken = 0x11;
inline constexpr std::uint8_t kSaCopyOperationAbort = 0x1C;
// THIRD-PARTY COPY IN service actions (SPC-4 table 103).
inline constexpr std::uint8_t kSaReceiveCopyStatusLid1 = 0x00;
inline constexpr std::uint8_t kSaReceiveCopyDataLid1 = 0x01;
inline constexpr std::uint8_t kSaReceiveCopyOperatingParameters = 0x03;
inline constexpr std::uint8_t kSaReceiveCopyFailureDetailsLid1 = 0x04;
inline constexpr std::uint8_t kSaReceiveCopyStatusLid4 = 0x05;
inline constexpr std::uint8_t kSaReceiveCopyDataLid4 = 0x06;
inline constexpr std::uint8_t kSaReceiveRodTokenInformation = 0x07;
inline constexpr std::uint8_t kSaReportAllRodTokens = 0x08;

struct ThirdPartyCopyCdb {
  std::uint8_t operation_code = kThirdPartyCopyOut;
  std::uint8_t service_action = 0;
  // 8 bits for the LID1 retrieval SAs, 32 bits otherwise; nullopt where the CDB has none
  // (EXTENDED COPY, OPERATING PARAMETERS, REPORT ALL ROD TOKENS).
  std::optional<std::uint32_t> list_identifier;
  std::uint32_t parameter_list_length = 0;  // 83h except COPY OPERATION ABORT
  std::uint32_t allocation_length = 0;      // 84h
  std::uint8_t group_number = 0;            // POPULATE TOKEN / WRITE USING TOKEN, 6 bits
  std::uint8_t control = 0;
  friend bool operator==(const ThirdPartyCopyCdb&, const ThirdPartyCopyCdb&) = default;
};

// Decodes and validates one CDB. Errors, all ILLEGAL REQUEST with a CDB field pointer:
//   20/00 fewer than 16 bytes, or an OPERATION CODE other than 83h/84h -> byte 0. The
//         iSCSI gateway always passes the 16-byte CDB field of the SCSI Command PDU, so a
//         short CDB is a caller bug; it is still answered, not asserted.
//   24/00 unknown SERVICE ACTION -> byte 1 bit 4 (SPC-4: SA unsupported is an invalid
//         field, more precise than 20/00, which is for an unsupported OPERATION CODE)
//   24/00 a reserved bit set -> that byte, highest set reserved bit; scanned from byte 1
//         up, so the lowest offending byte is reported. CONTROL b5:3 are reserved; NACA,
//         the obsolete FLAG/LINK bits and the vendor-specific b7:6 pass through.
// Bytes past the sixteenth are ignored.
Result<ThirdPartyCopyCdb> decode_third_party_copy_cdb(std::span<const std::uint8_t> cdb);

// 16 bytes. Fields the service action does not have are written as zero; list_identifier
// nullopt where one is expected is written as 0, and 8-bit list IDs keep the low byte.
std::vector<std::uint8_t> encode_third_party_copy_cdb(const ThirdPartyCopyCdb& cdb);

// "POPULATE TOKEN", "RECEIVE COPY STATUS(LID1)", ...; "unknown" for others.
std::string_view service_action_name(std::uint8_t operation_code, std::uint8_t service_action);

// The service actions of `operation_code` this file decodes, ascending.
std::vector<std::uint8_t> third_party_copy_service_actions(std::uint8_t operation_code);

}  // namespace xg::scsi
