// iSCSI Basic Header Segment (BHS) and Additional Header Segments (AHS), RFC 7143 11.2.
//
// Every iSCSI PDU starts with a 48-byte BHS (RFC 7143 11.2.1, figure "Basic Header
// Segment"). The fields all opcodes share:
//   byte 0      b7 reserved, b6 I (immediate delivery; request PDUs only), b5:0 Opcode
//   byte 1      b7 F (final) on most opcodes; opcode-specific otherwise
//   bytes 2-3   opcode-specific
//   byte 4      TotalAHSLength, in 4-byte words, AHS padding included
//   bytes 5-7   DataSegmentLength, in bytes, padding excluded (24 bits)
//   bytes 8-15  LUN or opcode-specific
//   bytes 16-19 Initiator Task Tag
//   bytes 20-47 opcode-specific
// Bhs holds the common fields; one plain struct per opcode (RFC 7143 11.3..11.19) holds
// the rest, with RFC field names in snake_case. decode_bhs()/encode_bhs() convert; for any
// decoded value decode_bhs(encode_bhs(x)) == x.
//
// Receive policy (RFC 7143 11, "Any compliant receiver MUST ignore any bit not defined and
// all reserved fields ... Receipt of reserved code values in defined fields MUST be
// reported as a protocol error"): reserved bits and bytes are ignored and decode as
// nothing; reserved code values (opcode, ATTR, CSG/NSG, logout reason, SNACK type, AHS
// type) and flag combinations the RFC calls protocol errors are PduErrors naming Reject
// reason 04h and the offending byte.
//
// Errors are values (PduError), never exceptions: they say which Reject reason applies
// (RFC 7143 11.17.1) or that the connection has to be dropped (RFC 7143 7, "Digest
// Errors"), and where.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/byte_writer.h"
#include "base/result.h"

namespace xg::iscsi {

inline constexpr std::size_t kBhsLength = 48;
inline constexpr std::size_t kCdbInBhsLength = 16;         // SCSI Command bytes 32-47
inline constexpr std::size_t kMaxAhsLength = 255 * 4;      // TotalAHSLength is one byte
inline constexpr std::uint32_t kMaxDataSegmentLength = 0xFFFFFF;  // 24-bit field
inline constexpr std::uint32_t kReservedTag = 0xFFFFFFFF;  // RFC 7143 11.2.1.8

// RFC 7143 11.2.1.2 opcodes. 1Ch..1Eh (initiator) and 3Ch..3Eh (target) are vendor
// specific; every value not listed is reserved.
enum class Opcode : std::uint8_t {
  kNopOut = 0x00,
  kScsiCommand = 0x01,
  kTaskManagementRequest = 0x02,
  kLoginRequest = 0x03,
  kTextRequest = 0x04,
  kScsiDataOut = 0x05,
  kLogoutRequest = 0x06,
  kSnackRequest = 0x10,
  kNopIn = 0x20,
  kScsiResponse = 0x21,
  kTaskManagementResponse = 0x22,
  kLoginResponse = 0x23,
  kTextResponse = 0x24,
  kScsiDataIn = 0x25,
  kLogoutResponse = 0x26,
  kReadyToTransfer = 0x31,
  kAsyncMessage = 0x32,
  kReject = 0x3F,
};

// "SCSI Command", "Reject", ...; "reserved" for unknown values.
std::string_view opcode_name(std::uint8_t opcode);
// Initiator opcodes are 00h..1Fh, target opcodes 20h..3Fh (RFC 7143 11.2.1.2).
constexpr bool is_initiator_opcode(std::uint8_t opcode) { return (opcode & 0x3F) < 0x20; }

// ---- Errors --------------------------------------------------------------------------

// Reject reasons, RFC 7143 11.17.1 table "Reject Reasons".
enum class RejectReason : std::uint8_t {
  kDataDigestError = 0x02,
  kSnackReject = 0x03,
  kProtocolError = 0x04,
  kCommandNotSupported = 0x05,
  kImmediateCommandReject = 0x06,
  kTaskInProgress = 0x07,
  kInvalidDataAck = 0x08,
  kInvalidPduField = 0x09,
  kLongOpReject = 0x0A,
  kWaitingForLogout = 0x0C,
};

enum class PduErrorCode : std::uint8_t {
  kTruncatedHeader,        // fewer than 48 bytes given to decode_bhs
  kReservedOpcode,         // opcode not defined by RFC 7143 (vendor codes included)
  kWrongDirection,         // a target opcode sent to a target, or the reverse
  kImmediateOnResponse,    // I bit set on a target opcode
  kReservedValue,          // reserved code value in a defined field
  kInconsistentFlags,      // flag combination the RFC calls a protocol error
  kReservedTaskTag,        // ITT FFFFFFFFh on a PDU that starts or names a task
  kInvalidAhs,             // AHS does not tile TotalAHSLength, bad AHSLength or type
  kHeaderDigest,           // HeaderDigest mismatch: PDU boundaries are lost
  kDataDigest,             // DataDigest mismatch over the data segment and padding
  kSegmentTooLong,         // DataSegmentLength above MaxRecvDataSegmentLength
  kImmediateDataTooLong,   // immediate data above FirstBurstLength
  kConnectionFailed,       // bytes fed after an error that dropped the connection
};

std::string_view pdu_error_code_name(PduErrorCode code);

// What went wrong with a PDU, where, and what the receiver does about it.
struct PduError {
  PduErrorCode code = PduErrorCode::kTruncatedHeader;
  // The Reject reason to answer with (the Reject PDU carries the offending header);
  // nullopt when no Reject can be sent.
  std::optional<RejectReason> reject;
  // Close the connection (after sending the Reject, if any): for a header
  // digest error (RFC 7143 7, "Digest Errors"), and for a peer that overruns the
  // declared segment length.
  bool drop_connection = false;
  std::size_t offset = 0;  // byte of the offending field, counted from BHS byte 0
  std::string why;         // for logs; not compared

  friend bool operator==(const PduError& a, const PduError& b) {
    return a.code == b.code && a.reject == b.reject &&
           a.drop_connection == b.drop_connection && a.offset == b.offset;
  }
  PduError&& because(std::string reason) && {
    why = std::move(reason);
    return std::move(*this);
  }

  // Reject reason 04h, connection kept: a reserved value, a bad flag combination, ...
  static PduError protocol_error(PduErrorCode code, std::size_t at);
  // Reject reason 09h (RFC 7143 11.17.1 note 2: invalid task, response or transfer field).
  static PduError invalid_pdu_field(PduErrorCode code, std::size_t at);
  // No Reject possible (the header cannot be trusted): drop the connection.
  static PduError drop(PduErrorCode code, std::size_t at);
};

template <class T>
using Result = base::Result<T, PduError>;

// ---- Initiator PDUs (request opcodes) ------------------------------------------------

// NOP-Out, RFC 7143 11.18: byte 1 b7=1; 8-15 LUN; 20-23 TTT; 24-27 CmdSN; 28-31 ExpStatSN.
struct NopOut {
  static constexpr Opcode kOpcode = Opcode::kNopOut;
  bool immediate = false;
  std::uint64_t logical_unit_number = 0;
  std::uint32_t target_transfer_tag = kReservedTag;
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;
  friend bool operator==(const NopOut&, const NopOut&) = default;
};

// Task attributes, RFC 7143 11.3.1.2 (SAM task attributes); 5..7 are reserved.
enum class TaskAttribute : std::uint8_t {
  kUntagged = 0,
  kSimple = 1,
  kOrdered = 2,
  kHeadOfQueue = 3,
  kAca = 4,
};

// SCSI Command, RFC 7143 11.3: byte 1 F|R|W|.|.|ATTR(2:0); 8-15 LUN; 20-23 Expected Data
// Transfer Length; 24-27 CmdSN; 28-31 ExpStatSN; 32-47 CDB (bytes 16.. of a longer CDB go
// in an Extended CDB AHS).
struct ScsiCommand {
  static constexpr Opcode kOpcode = Opcode::kScsiCommand;
  bool immediate = false;
  bool final = true;
  bool read = false;
  bool write = false;
  TaskAttribute attr = TaskAttribute::kSimple;
  std::uint64_t logical_unit_number = 0;
  std::uint32_t expected_data_transfer_length = 0;
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;
  std::array<std::uint8_t, kCdbInBhsLength> cdb{};
  friend bool operator==(const ScsiCommand&, const ScsiCommand&) = default;
};

// Task Management Function Request, RFC 7143 11.5: byte 1 b7=1, Function(6:0); 8-15 LUN;
// 20-23 Referenced Task Tag; 24-27 CmdSN; 28-31 ExpStatSN; 32-35 RefCmdSN; 36-39
// ExpDataSN. Function values outside 1..8 are answered by a TMF response "Function
// rejected" (the session's job), so the raw value is kept.
struct TaskManagementRequest {
  static constexpr Opcode kOpcode = Opcode::kTaskManagementRequest;
  bool immediate = false;
  std::uint8_t function = 0;
  std::uint64_t logical_unit_number = 0;
  std::uint32_t referenced_task_tag = kReservedTag;
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;
  std::uint32_t ref_cmd_sn = 0;
  std::uint32_t exp_data_sn = 0;
  friend bool operator==(const TaskManagementRequest&, const TaskManagementRequest&) = default;
};

// Login stages, RFC 7143 11.12.3 (CSG and NSG); 2 is reserved.
enum class LoginStage : std::uint8_t {
  kSecurityNegotiation = 0,
  kLoginOperationalNegotiation = 1,
  kFullFeaturePhase = 3,
};

// Login Request, RFC 7143 11.12: byte 0 I=1; byte 1 T|C|.|.|CSG(3:2)|NSG(1:0); 2
// Version-max; 3 Version-min; 8-13 ISID; 14-15 TSIH; 20-21 CID; 24-27 CmdSN; 28-31
// ExpStatSN. NSG is reserved (and not checked) unless T=1.
struct LoginRequest {
  static constexpr Opcode kOpcode = Opcode::kLoginRequest;
  bool immediate = true;
  bool transit = false;   // T
  bool continue_ = false;  // C
  LoginStage csg = LoginStage::kSecurityNegotiation;
  LoginStage nsg = LoginStage::kSecurityNegotiation;
  std::uint8_t version_max = 0;
  std::uint8_t version_min = 0;
  std::array<std::uint8_t, 6> isid{};
  std::uint16_t tsih = 0;
  std::uint16_t cid = 0;
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;
  friend bool operator==(const LoginRequest&, const LoginRequest&) = default;
};

// Text Request, RFC 7143 11.10: byte 1 F|C; 8-15 LUN; 20-23 TTT; 24-27 CmdSN; 28-31
// ExpStatSN.
struct TextRequest {
  static constexpr Opcode kOpcode = Opcode::kTextRequest;
  bool immediate = false;
  bool final = true;
  bool continue_ = false;
  std::uint64_t logical_unit_number = 0;
  std::uint32_t target_transfer_tag = kReservedTag;
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;
  friend bool operator==(const TextRequest&, const TextRequest&) = default;
};

// SCSI Data-Out, RFC 7143 11.7: byte 0 has no I bit; byte 1 F; 8-15 LUN; 20-23 TTT; 28-31
// ExpStatSN; 36-39 DataSN; 40-43 Buffer Offset.
struct ScsiDataOut {
  static constexpr Opcode kOpcode = Opcode::kScsiDataOut;
  bool final = false;
  std::uint64_t logical_unit_number = 0;
  std::uint32_t target_transfer_tag = kReservedTag;
  std::uint32_t exp_stat_sn = 0;
  std::uint32_t data_sn = 0;
  std::uint32_t buffer_offset = 0;
  friend bool operator==(const ScsiDataOut&, const ScsiDataOut&) = default;
};

// Logout reason codes, RFC 7143 11.14.1; 3..127 are reserved.
enum class LogoutReason : std::uint8_t {
  kCloseSession = 0,
  kCloseConnection = 1,
  kRemoveConnectionForRecovery = 2,
};

// Logout Request, RFC 7143 11.14: byte 1 b7=1, Reason Code(6:0); 20-21 CID; 24-27 CmdSN;
// 28-31 ExpStatSN.
struct LogoutRequest {
  static constexpr Opcode kOpcode = Opcode::kLogoutRequest;
  bool immediate = false;
  LogoutReason reason_code = LogoutReason::kCloseSession;
  std::uint16_t cid = 0;
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;
  friend bool operator==(const LogoutRequest&, const LogoutRequest&) = default;
};

// SNACK types, RFC 7143 11.16.1; 4..15 are reserved.
enum class SnackType : std::uint8_t { kDataR2t = 0, kStatus = 1, kDataAck = 2, kRData = 3 };

// SNACK Request, RFC 7143 11.16: byte 1 b7=1, Type(3:0); 8-15 LUN; 20-23 TTT or SNACK
// Tag; 28-31 ExpStatSN; 40-43 BegRun; 44-47 RunLength.
struct SnackRequest {
  static constexpr Opcode kOpcode = Opcode::kSnackRequest;
  SnackType type = SnackType::kDataR2t;
  std::uint64_t logical_unit_number = 0;
  std::uint32_t target_transfer_tag = kReservedTag;  // or SNACK Tag
  std::uint32_t exp_stat_sn = 0;
  std::uint32_t beg_run = 0;
  std::uint32_t run_length = 0;
  friend bool operator==(const SnackRequest&, const SnackRequest&) = default;
};

// ---- Target PDUs (response opcodes) --------------------------------------------------

// NOP-In, RFC 7143 11.19: 8-15 LUN; 20-23 TTT; 24-27 StatSN; 28-31 ExpCmdSN; 32-35
// MaxCmdSN.
struct NopIn {
  static constexpr Opcode kOpcode = Opcode::kNopIn;
  std::uint64_t logical_unit_number = 0;
  std::uint32_t target_transfer_tag = kReservedTag;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  friend bool operator==(const NopIn&, const NopIn&) = default;
};

// SCSI Response, RFC 7143 11.4: byte 1 b7=1, o(4) u(3) O(2) U(1); 2 Response; 3 Status;
// 20-23 SNACK Tag; 24-27 StatSN; 28-31 ExpCmdSN; 32-35 MaxCmdSN; 36-39 ExpDataSN; 40-43
// Bidirectional Read Residual Count; 44-47 Residual Count. o with u, or O with U, is a
// protocol error (RFC 7143 11.4.5).
struct ScsiResponse {
  static constexpr Opcode kOpcode = Opcode::kScsiResponse;
  bool bidi_read_residual_overflow = false;   // o
  bool bidi_read_residual_underflow = false;  // u
  bool residual_overflow = false;             // O
  bool residual_underflow = false;            // U
  std::uint8_t response = 0;                  // 00h Command Completed at Target
  std::uint8_t status = 0;                    // SAM status, valid when response is 00h
  std::uint32_t snack_tag = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint32_t exp_data_sn = 0;
  std::uint32_t bidirectional_read_residual_count = 0;
  std::uint32_t residual_count = 0;
  friend bool operator==(const ScsiResponse&, const ScsiResponse&) = default;
};

// Task Management Function Response, RFC 7143 11.6: 2 Response; 24-27 StatSN; 28-31
// ExpCmdSN; 32-35 MaxCmdSN.
struct TaskManagementResponse {
  static constexpr Opcode kOpcode = Opcode::kTaskManagementResponse;
  std::uint8_t response = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  friend bool operator==(const TaskManagementResponse&, const TaskManagementResponse&) =
      default;
};

// Login Response, RFC 7143 11.13: byte 1 T|C|.|.|CSG|NSG; 2 Version-max; 3 Version-active;
// 8-13 ISID; 14-15 TSIH; 24-27 StatSN; 28-31 ExpCmdSN; 32-35 MaxCmdSN; 36 Status-Class;
// 37 Status-Detail (RFC 7143 11.13.5).
struct LoginResponse {
  static constexpr Opcode kOpcode = Opcode::kLoginResponse;
  bool transit = false;
  bool continue_ = false;
  LoginStage csg = LoginStage::kSecurityNegotiation;
  LoginStage nsg = LoginStage::kSecurityNegotiation;
  std::uint8_t version_max = 0;
  std::uint8_t version_active = 0;
  std::array<std::uint8_t, 6> isid{};
  std::uint16_t tsih = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint8_t status_class = 0;
  std::uint8_t status_detail = 0;
  friend bool operator==(const LoginResponse&, const LoginResponse&) = default;
};

// Text Response, RFC 7143 11.11: byte 1 F|C; 8-15 LUN; 20-23 TTT; 24-27 StatSN; 28-31
// ExpCmdSN; 32-35 MaxCmdSN.
struct TextResponse {
  static constexpr Opcode kOpcode = Opcode::kTextResponse;
  bool final = true;
  bool continue_ = false;
  std::uint64_t logical_unit_number = 0;
  std::uint32_t target_transfer_tag = kReservedTag;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  friend bool operator==(const TextResponse&, const TextResponse&) = default;
};

// SCSI Data-In, RFC 7143 11.7: byte 1 F|A|.|.|.|O|U|S; 3 Status (valid only with S); 8-15
// LUN; 20-23 TTT; 24-27 StatSN (valid only with S); 28-31 ExpCmdSN; 32-35 MaxCmdSN; 36-39
// DataSN; 40-43 Buffer Offset; 44-47 Residual Count. S without F, or O with U, is a
// protocol error (RFC 7143 11.7.3, 11.7.5). With S=0, Status and StatSN are reserved:
// they decode as 0 and are not written.
struct ScsiDataIn {
  static constexpr Opcode kOpcode = Opcode::kScsiDataIn;
  bool final = false;
  bool acknowledge = false;         // A
  bool residual_overflow = false;   // O
  bool residual_underflow = false;  // U
  bool status_present = false;      // S: phase-collapsed status
  std::uint8_t status = 0;
  std::uint64_t logical_unit_number = 0;
  std::uint32_t target_transfer_tag = kReservedTag;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint32_t data_sn = 0;
  std::uint32_t buffer_offset = 0;
  std::uint32_t residual_count = 0;
  friend bool operator==(const ScsiDataIn&, const ScsiDataIn&) = default;
};

// Logout Response, RFC 7143 11.15: 2 Response; 24-27 StatSN; 28-31 ExpCmdSN; 32-35
// MaxCmdSN; 40-41 Time2Wait; 42-43 Time2Retain.
struct LogoutResponse {
  static constexpr Opcode kOpcode = Opcode::kLogoutResponse;
  std::uint8_t response = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint16_t time2wait = 0;
  std::uint16_t time2retain = 0;
  friend bool operator==(const LogoutResponse&, const LogoutResponse&) = default;
};

// Ready To Transfer (R2T), RFC 7143 11.8: 8-15 LUN; 20-23 TTT; 24-27 StatSN; 28-31
// ExpCmdSN; 32-35 MaxCmdSN; 36-39 R2TSN; 40-43 Buffer Offset; 44-47 Desired Data
// Transfer Length.
struct ReadyToTransfer {
  static constexpr Opcode kOpcode = Opcode::kReadyToTransfer;
  std::uint64_t logical_unit_number = 0;
  std::uint32_t target_transfer_tag = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint32_t r2t_sn = 0;
  std::uint32_t buffer_offset = 0;
  std::uint32_t desired_data_transfer_length = 0;
  friend bool operator==(const ReadyToTransfer&, const ReadyToTransfer&) = default;
};

// Asynchronous Message, RFC 7143 11.9: 8-15 LUN; 24-27 StatSN; 28-31 ExpCmdSN; 32-35
// MaxCmdSN; 36 AsyncEvent; 37 AsyncVCode; 38-39 Parameter1; 40-41 Parameter2; 42-43
// Parameter3. The ITT is FFFFFFFFh.
struct AsyncMessage {
  static constexpr Opcode kOpcode = Opcode::kAsyncMessage;
  std::uint64_t logical_unit_number = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint8_t async_event = 0;
  std::uint8_t async_vcode = 0;
  std::uint16_t parameter1 = 0;
  std::uint16_t parameter2 = 0;
  std::uint16_t parameter3 = 0;
  friend bool operator==(const AsyncMessage&, const AsyncMessage&) = default;
};

// Reject, RFC 7143 11.17: 2 Reason; 24-27 StatSN; 28-31 ExpCmdSN; 32-35 MaxCmdSN; 36-39
// DataSN/R2TSN. The ITT is FFFFFFFFh; the data segment is the rejected PDU's header.
// The reason is kept raw: a Reject's reader only logs it.
struct Reject {
  static constexpr Opcode kOpcode = Opcode::kReject;
  std::uint8_t reason = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint32_t data_sn = 0;  // DataSN/R2TSN
  friend bool operator==(const Reject&, const Reject&) = default;
};

using BhsFields =
    std::variant<NopOut, ScsiCommand, TaskManagementRequest, LoginRequest, TextRequest,
                 ScsiDataOut, LogoutRequest, SnackRequest, NopIn, ScsiResponse,
                 TaskManagementResponse, LoginResponse, TextResponse, ScsiDataIn,
                 LogoutResponse, ReadyToTransfer, AsyncMessage, Reject>;

// A decoded BHS: the common fields plus the opcode-specific ones (which also fix the
// opcode). encode_bhs writes total_ahs_length and data_segment_length as given; the PDU
// writer sets them from the actual AHS and data segment.
struct Bhs {
  std::uint8_t total_ahs_length = 0;     // in 4-byte words
  std::uint32_t data_segment_length = 0;  // bytes, padding excluded; only 24 bits are sent
  std::uint32_t initiator_task_tag = 0;   // FFFFFFFFh for Reject and Asynchronous Message
  BhsFields fields;
  friend bool operator==(const Bhs&, const Bhs&) = default;
};

Opcode opcode_of(const BhsFields& fields);
inline Opcode opcode_of(const Bhs& bhs) { return opcode_of(bhs.fields); }

// Decodes the first 48 bytes of `bytes`. Errors: fewer than 48 bytes -> kTruncatedHeader
// (drop); a reserved or vendor-specific opcode -> 04h at byte 0; I bit on a target
// opcode -> 04h at byte 0; reserved code values and contradictory flags -> 04h at their
// byte; ITT FFFFFFFFh on SCSI Command, TMF, Text or Logout Request -> 09h at byte 16.
// Direction (who may send the opcode) is the PDU reader's check, not this function's.
Result<Bhs> decode_bhs(std::span<const std::uint8_t> bytes);

// Appends exactly 48 bytes. Reserved fields are written as zero; values outside a
// field's width (a 25-bit data_segment_length, a 3-bit stage) are masked.
void encode_bhs(const Bhs& bhs, base::ByteWriter& out);
std::array<std::uint8_t, kBhsLength> encode_bhs(const Bhs& bhs);

// ---- Additional Header Segments, RFC 7143 11.2.2 -------------------------------------
//
// Each AHS: bytes 0-1 AHSLength (bytes after byte 2, padding excluded), byte 2 AHSType
// (b7:6 reserved, b5:0 code), then the AHS-specific bytes, padded to 4 bytes.
//   code 1: Extended CDB (11.2.2.3): byte 3 reserved, bytes 4.. CDB bytes 16 and up;
//           AHSLength = CDB length - 15.
//   code 2: Bidirectional Read Expected Data Transfer Length (11.2.2.4): AHSLength 5,
//           byte 3 reserved, bytes 4-7 the length.
inline constexpr std::uint8_t kAhsTypeExtendedCdb = 1;
inline constexpr std::uint8_t kAhsTypeBidirectionalReadLength = 2;

struct Ahs {
  std::vector<std::uint8_t> extended_cdb;  // CDB bytes 16.. (empty: no type-1 AHS)
  std::optional<std::uint32_t> bidirectional_read_expected_data_transfer_length;
  bool empty() const {
    return extended_cdb.empty() && !bidirectional_read_expected_data_transfer_length;
  }
  friend bool operator==(const Ahs&, const Ahs&) = default;
};

// Decodes TotalAHSLength*4 bytes that follow the BHS; `base` is their offset in the PDU
// (48). Errors, all 04h at the offending AHSLength or AHSType byte: an AHS running past
// the declared total (TotalAHSLength inconsistent), a reserved type code, a duplicated
// type, AHSLength other than 5 for type 2 or below 2 for type 1.
Result<Ahs> decode_ahs(std::span<const std::uint8_t> bytes, std::size_t base = kBhsLength);

// Appends the AHS (each padded to 4 bytes); encoded_ahs_length() is its size in bytes.
// Precondition (asserted): the result fits TotalAHSLength, i.e. at most kMaxAhsLength.
void encode_ahs(const Ahs& ahs, base::ByteWriter& out);
std::size_t encoded_ahs_length(const Ahs& ahs);

// The whole CDB of a SCSI Command: the 16 BHS bytes followed by the Extended CDB AHS.
std::vector<std::uint8_t> full_cdb(const ScsiCommand& command, const Ahs& ahs);

}  // namespace xg::iscsi
