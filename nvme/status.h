// NVMe completion status and completion queue entries.
//
// Completion Queue Entry (NVMe Base Specification 2.0, Figure "Common Completion Queue
// Entry Layout"), 16 bytes, little-endian:
//   DW0  bytes 3:0    command specific (Copy: index of the lowest-numbered source range
//                     that was not copied, on failure)
//   DW1  bytes 7:4    command specific
//   DW2  bytes 9:8    SQHD (SQ Head Pointer); bytes 11:10 SQID
//   DW3  bytes 13:12  CID; bytes 15:14 the Status Field:
//        DW3 bit 16 P (Phase Tag), 24:17 SC, 27:25 SCT, 29:28 CRD, 30 M (More), 31 DNR
//
// Linux passthrough returns the Status Field without the phase tag, shifted down by one
// (a 15-bit value: SC 7:0, SCT 10:8, CRD 12:11, More 13, DNR 14); 0x4183 = DNR, SCT 1,
// SC 83h. from_linux()/to_linux() convert.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "nvme/parse_error.h"
#include "nvme/spec.h"

namespace xg::nvme {

// SCT, SC, CRD, More and DNR of one completion (the phase tag belongs to the queue, not
// the status, and lives in CompletionEntry).
struct Status {
  std::uint8_t sct = 0;  // Status Code Type, 3 bits (StatusCodeType)
  std::uint8_t sc = 0;   // Status Code
  std::uint8_t crd = 0;  // Command Retry Delay, 2 bits: 0 none, 1..3 select CRDT1..3
  bool more = false;     // M: more status information in the Error Information log page
  bool dnr = false;      // Do Not Retry

  bool ok() const { return type() == StatusCodeType::kGeneric && sc == kScSuccessfulCompletion; }
  StatusCodeType type() const { return static_cast<StatusCodeType>(sct); }

  // The 15-bit value the Linux NVMe driver returns from passthrough (bits 14:0).
  std::uint16_t to_linux() const;
  static Status from_linux(std::uint16_t value);
  // The 16-bit Status Field (DW3 bits 31:16) with the given phase tag in bit 0.
  std::uint16_t to_status_field(bool phase = false) const;
  static Status from_status_field(std::uint16_t field);

  // Named constructors. DNR is set on the conditions a retry cannot fix.
  static Status success() { return {}; }
  static Status generic(std::uint8_t sc, bool dnr) {
    return {sct_value(StatusCodeType::kGeneric), sc, 0, false, dnr};
  }
  static Status command_specific(std::uint8_t sc, bool dnr) {
    return {sct_value(StatusCodeType::kCommandSpecific), sc, 0, false, dnr};
  }
  static Status media(std::uint8_t sc, bool dnr) {
    return {sct_value(StatusCodeType::kMediaAndDataIntegrity), sc, 0, false, dnr};
  }
  static Status path(std::uint8_t sc, bool dnr) {
    return {sct_value(StatusCodeType::kPathRelated), sc, 0, false, dnr};
  }
  static Status invalid_command_opcode() { return generic(kScInvalidCommandOpcode, true); }
  static Status invalid_field_in_command() { return generic(kScInvalidFieldInCommand, true); }
  static Status internal_error() { return generic(kScInternalError, false); }
  static Status invalid_namespace_or_format() {
    return generic(kScInvalidNamespaceOrFormat, true);
  }
  static Status lba_out_of_range() { return generic(kScLbaOutOfRange, true); }
  static Status invalid_format() { return command_specific(kScInvalidFormat, true); }
  static Status command_size_limit_exceeded() {
    return command_specific(kScCommandSizeLimitExceeded, true);
  }
  static Status incompatible_namespace_or_format() {
    return command_specific(kScIncompatibleNamespaceOrFormat, true);
  }
  static Status fast_copy_not_possible() { return command_specific(kScFastCopyNotPossible, true); }
  static Status overlapping_io_range() { return command_specific(kScOverlappingIoRange, true); }

  friend bool operator==(const Status&, const Status&) = default;
};

// The spec name of SCT/SC ("Command Size Limit Exceeded"); "Reserved" or
// "Vendor Specific" for codes without a name.
std::string_view status_name(const Status& status);
std::string_view status_code_type_name(std::uint8_t sct);
// One line for logs: "Command Size Limit Exceeded (SCT 1h SC 83h, DNR) [0x4183]".
std::string describe(const Status& status);

// A whole CQE as native fields.
struct CompletionEntry {
  std::uint32_t dw0 = 0;
  std::uint32_t dw1 = 0;
  std::uint16_t sqhd = 0;
  std::uint16_t sqid = 0;
  std::uint16_t cid = 0;
  bool phase = false;
  Status status;
  friend bool operator==(const CompletionEntry&, const CompletionEntry&) = default;
};

// DW3 alone (CID, phase, status).
struct CompletionDw3 {
  std::uint16_t cid = 0;
  bool phase = false;
  Status status;
  friend bool operator==(const CompletionDw3&, const CompletionDw3&) = default;
};
CompletionDw3 decode_dw3(std::uint32_t dw3);
std::uint32_t encode_dw3(const CompletionDw3& dw3);

std::array<std::uint8_t, kCompletionEntrySize> encode_completion(const CompletionEntry& cqe);
// Exactly 16 bytes; otherwise ParseError at the buffer size (short) or at 16 (long).
ParseResult<CompletionEntry> decode_completion(std::span<const std::uint8_t> bytes);

}  // namespace xg::nvme
