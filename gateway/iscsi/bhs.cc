#include "gateway/iscsi/bhs.h"

#include <cassert>
#include <string>
#include <type_traits>

#include "base/bits.h"
#include "base/byte_reader.h"

namespace xg::iscsi {
namespace {

using base::bit;
using base::bits;
using base::ByteReader;
using base::ByteWriter;

// Common BHS offsets (RFC 7143 11.2.1).
constexpr std::size_t kAtOpcode = 0;
constexpr std::size_t kAtTotalAhsLength = 4;
constexpr std::size_t kAtInitiatorTaskTag = 16;

std::uint8_t flag(bool value, unsigned position) {
  return value ? static_cast<std::uint8_t>(1U << position) : std::uint8_t{0};
}

std::string hex_byte(unsigned value) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  return {kDigits[(value >> 4) & 0xF], kDigits[value & 0xF], 'h'};
}

// Byte 0 with the I bit (request opcodes; RFC 7143 11.2.1.1).
void put_opcode(ByteWriter& w, Opcode opcode, bool immediate = false) {
  w.u8(static_cast<std::uint8_t>(flag(immediate, 6) | static_cast<std::uint8_t>(opcode)));
}
// Bytes 4-7 and 16-19 are back-patched by encode_bhs; per-opcode encoders leave zeros.
void skip_common_4_to_7(ByteWriter& w) { w.zeros(4); }
void skip_common_itt(ByteWriter& w) { w.zeros(4); }

// ---- Per-opcode decoders. Each reads all 48 bytes in order, skipping the common ------
// ---- fields decode_bhs reads itself (bytes 4-7 and 16-19) and reserved fields. -------

Result<BhsFields> decode_nop_out(ByteReader& r) {
  NopOut p;
  p.immediate = bit(r.u8(), 6);
  r.skip(7);
  p.logical_unit_number = r.be64();
  r.skip(4);
  p.target_transfer_tag = r.be32();
  p.cmd_sn = r.be32();
  p.exp_stat_sn = r.be32();
  return BhsFields{p};
}

Result<BhsFields> decode_scsi_command(ByteReader& r) {
  ScsiCommand p;
  p.immediate = bit(r.u8(), 6);
  const std::size_t at_flags = r.offset();
  const std::uint8_t flags = r.u8();
  p.final = bit(flags, 7);
  p.read = bit(flags, 6);
  p.write = bit(flags, 5);
  const std::uint8_t attr = bits<2, 0>(flags);
  if (attr > static_cast<std::uint8_t>(TaskAttribute::kAca)) {
    return PduError::protocol_error(PduErrorCode::kReservedValue, at_flags)
        .because("SCSI Command ATTR " + std::to_string(attr) + " is reserved (RFC 7143 11.3.1.2)");
  }
  p.attr = static_cast<TaskAttribute>(attr);
  r.skip(6);
  p.logical_unit_number = r.be64();
  r.skip(4);
  p.expected_data_transfer_length = r.be32();
  p.cmd_sn = r.be32();
  p.exp_stat_sn = r.be32();
  const auto cdb = r.bytes(kCdbInBhsLength);
  std::copy(cdb.begin(), cdb.end(), p.cdb.begin());
  return BhsFields{p};
}

Result<BhsFields> decode_task_management_request(ByteReader& r) {
  TaskManagementRequest p;
  p.immediate = bit(r.u8(), 6);
  p.function = bits<6, 0>(r.u8());
  r.skip(6);
  p.logical_unit_number = r.be64();
  r.skip(4);
  p.referenced_task_tag = r.be32();
  p.cmd_sn = r.be32();
  p.exp_stat_sn = r.be32();
  p.ref_cmd_sn = r.be32();
  p.exp_data_sn = r.be32();
  return BhsFields{p};
}

// Byte 1 of Login Request/Response: T|C|.|.|CSG(3:2)|NSG(1:0) (RFC 7143 11.12.1-11.12.3).
// Stage 2 is reserved; NSG counts only with T=1; T and C together are a protocol error.
template <class Login>
std::optional<PduError> decode_login_flags(std::uint8_t flags, std::size_t at, Login& p) {
  p.transit = bit(flags, 7);
  p.continue_ = bit(flags, 6);
  p.csg = static_cast<LoginStage>(bits<3, 2>(flags));
  p.nsg = static_cast<LoginStage>(bits<1, 0>(flags));
  if (p.transit && p.continue_)
    return PduError::protocol_error(PduErrorCode::kInconsistentFlags, at)
        .because("Login with both T and C set (RFC 7143 11.12.2)");
  if (bits<3, 2>(flags) == 2 || (p.transit && bits<1, 0>(flags) == 2))
    return PduError::protocol_error(PduErrorCode::kReservedValue, at)
        .because("Login stage 2 is reserved (RFC 7143 11.12.3)");
  if (!p.transit) p.nsg = LoginStage::kSecurityNegotiation;  // reserved without T
  return std::nullopt;
}

std::uint8_t encode_login_flags(bool transit, bool continue_, LoginStage csg, LoginStage nsg) {
  const unsigned stages = ((static_cast<unsigned>(csg) & 3U) << 2) |
                          (transit ? (static_cast<unsigned>(nsg) & 3U) : 0U);
  return static_cast<std::uint8_t>(flag(transit, 7) | flag(continue_, 6) | stages);
}

Result<BhsFields> decode_login_request(ByteReader& r) {
  LoginRequest p;
  p.immediate = bit(r.u8(), 6);
  const std::size_t at_flags = r.offset();
  if (auto error = decode_login_flags(r.u8(), at_flags, p)) return *std::move(error);
  p.version_max = r.u8();
  p.version_min = r.u8();
  r.skip(4);
  const auto isid = r.bytes(p.isid.size());
  std::copy(isid.begin(), isid.end(), p.isid.begin());
  p.tsih = r.be16();
  r.skip(4);
  p.cid = r.be16();
  r.skip(2);
  p.cmd_sn = r.be32();
  p.exp_stat_sn = r.be32();
  return BhsFields{p};
}

// Text Request/Response byte 1: F|C. C=1 with F=1 is a protocol error (RFC 7143 11.10.2).
template <class Text>
std::optional<PduError> decode_text_flags(std::uint8_t flags, std::size_t at, Text& p) {
  p.final = bit(flags, 7);
  p.continue_ = bit(flags, 6);
  if (p.final && p.continue_)
    return PduError::protocol_error(PduErrorCode::kInconsistentFlags, at)
        .because("Text PDU with both F and C set (RFC 7143 11.10.2)");
  return std::nullopt;
}

Result<BhsFields> decode_text_request(ByteReader& r) {
  TextRequest p;
  p.immediate = bit(r.u8(), 6);
  const std::size_t at_flags = r.offset();
  if (auto error = decode_text_flags(r.u8(), at_flags, p)) return *std::move(error);
  r.skip(6);
  p.logical_unit_number = r.be64();
  r.skip(4);
  p.target_transfer_tag = r.be32();
  p.cmd_sn = r.be32();
  p.exp_stat_sn = r.be32();
  return BhsFields{p};
}

Result<BhsFields> decode_scsi_data_out(ByteReader& r) {
  ScsiDataOut p;
  r.skip(1);
  p.final = bit(r.u8(), 7);
  r.skip(6);
  p.logical_unit_number = r.be64();
  r.skip(4);
  p.target_transfer_tag = r.be32();
  r.skip(4);
  p.exp_stat_sn = r.be32();
  r.skip(4);
  p.data_sn = r.be32();
  p.buffer_offset = r.be32();
  return BhsFields{p};
}

Result<BhsFields> decode_logout_request(ByteReader& r) {
  LogoutRequest p;
  p.immediate = bit(r.u8(), 6);
  const std::size_t at_reason = r.offset();
  const std::uint8_t reason = bits<6, 0>(r.u8());
  if (reason > static_cast<std::uint8_t>(LogoutReason::kRemoveConnectionForRecovery)) {
    return PduError::protocol_error(PduErrorCode::kReservedValue, at_reason)
        .because("logout reason code " + hex_byte(reason) + " is reserved (RFC 7143 11.14.1)");
  }
  p.reason_code = static_cast<LogoutReason>(reason);
  r.skip(18);
  p.cid = r.be16();
  r.skip(2);
  p.cmd_sn = r.be32();
  p.exp_stat_sn = r.be32();
  return BhsFields{p};
}

Result<BhsFields> decode_snack_request(ByteReader& r) {
  SnackRequest p;
  r.skip(1);
  const std::size_t at_type = r.offset();
  const std::uint8_t type = bits<3, 0>(r.u8());
  if (type > static_cast<std::uint8_t>(SnackType::kRData)) {
    return PduError::protocol_error(PduErrorCode::kReservedValue, at_type)
        .because("SNACK type " + std::to_string(type) + " is reserved (RFC 7143 11.16.1)");
  }
  p.type = static_cast<SnackType>(type);
  r.skip(6);
  p.logical_unit_number = r.be64();
  r.skip(4);
  p.target_transfer_tag = r.be32();
  r.skip(4);
  p.exp_stat_sn = r.be32();
  r.skip(8);
  p.beg_run = r.be32();
  p.run_length = r.be32();
  return BhsFields{p};
}

Result<BhsFields> decode_nop_in(ByteReader& r) {
  NopIn p;
  r.skip(8);
  p.logical_unit_number = r.be64();
  r.skip(4);
  p.target_transfer_tag = r.be32();
  p.stat_sn = r.be32();
  p.exp_cmd_sn = r.be32();
  p.max_cmd_sn = r.be32();
  return BhsFields{p};
}

Result<BhsFields> decode_scsi_response(ByteReader& r) {
  ScsiResponse p;
  r.skip(1);
  const std::size_t at_flags = r.offset();
  const std::uint8_t flags = r.u8();
  p.bidi_read_residual_overflow = bit(flags, 4);
  p.bidi_read_residual_underflow = bit(flags, 3);
  p.residual_overflow = bit(flags, 2);
  p.residual_underflow = bit(flags, 1);
  if ((p.bidi_read_residual_overflow && p.bidi_read_residual_underflow) ||
      (p.residual_overflow && p.residual_underflow)) {
    return PduError::protocol_error(PduErrorCode::kInconsistentFlags, at_flags)
        .because("SCSI Response with both overflow and underflow set (RFC 7143 11.4.1)");
  }
  p.response = r.u8();
  p.status = r.u8();
  r.skip(16);
  p.snack_tag = r.be32();
  p.stat_sn = r.be32();
  p.exp_cmd_sn = r.be32();
  p.max_cmd_sn = r.be32();
  p.exp_data_sn = r.be32();
  p.bidirectional_read_residual_count = r.be32();
  p.residual_count = r.be32();
  return BhsFields{p};
}

Result<BhsFields> decode_task_management_response(ByteReader& r) {
  TaskManagementResponse p;
  r.skip(2);
  p.response = r.u8();
  r.skip(21);
  p.stat_sn = r.be32();
  p.exp_cmd_sn = r.be32();
  p.max_cmd_sn = r.be32();
  return BhsFields{p};
}

Result<BhsFields> decode_login_response(ByteReader& r) {
  LoginResponse p;
  r.skip(1);
  const std::size_t at_flags = r.offset();
  if (auto error = decode_login_flags(r.u8(), at_flags, p)) return *std::move(error);
  p.version_max = r.u8();
  p.version_active = r.u8();
  r.skip(4);
  const auto isid = r.bytes(p.isid.size());
  std::copy(isid.begin(), isid.end(), p.isid.begin());
  p.tsih = r.be16();
  r.skip(8);
  p.stat_sn = r.be32();
  p.exp_cmd_sn = r.be32();
  p.max_cmd_sn = r.be32();
  p.status_class = r.u8();
  p.status_detail = r.u8();
  return BhsFields{p};
}

Result<BhsFields> decode_text_response(ByteReader& r) {
  TextResponse p;
  r.skip(1);
  const std::size_t at_flags = r.offset();
  if (auto error = decode_text_flags(r.u8(), at_flags, p)) return *std::move(error);
  r.skip(6);
  p.logical_unit_number = r.be64();
  r.skip(4);
  p.target_transfer_tag = r.be32();
  p.stat_sn = r.be32();
  p.exp_cmd_sn = r.be32();
  p.max_cmd_sn = r.be32();
  return BhsFields{p};
}

Result<BhsFields> decode_scsi_data_in(ByteReader& r) {
  ScsiDataIn p;
  r.skip(1);
  const std::size_t at_flags = r.offset();
  const std::uint8_t flags = r.u8();
  p.final = bit(flags, 7);
  p.acknowledge = bit(flags, 6);
  p.residual_overflow = bit(flags, 2);
  p.residual_underflow = bit(flags, 1);
  p.status_present = bit(flags, 0);
  if (p.status_present && !p.final) {
    return PduError::protocol_error(PduErrorCode::kInconsistentFlags, at_flags)
        .because("Data-In with S set but F clear (RFC 7143 11.7.3)");
  }
  if (p.residual_overflow && p.residual_underflow) {
    return PduError::protocol_error(PduErrorCode::kInconsistentFlags, at_flags)
        .because("Data-In with both O and U set (RFC 7143 11.7.5)");
  }
  r.skip(1);
  const std::uint8_t status = r.u8();
  r.skip(4);
  p.logical_unit_number = r.be64();
  r.skip(4);
  p.target_transfer_tag = r.be32();
  const std::uint32_t stat_sn = r.be32();
  if (p.status_present) {  // otherwise both are reserved (RFC 7143 11.7.4)
    p.status = status;
    p.stat_sn = stat_sn;
  }
  p.exp_cmd_sn = r.be32();
  p.max_cmd_sn = r.be32();
  p.data_sn = r.be32();
  p.buffer_offset = r.be32();
  p.residual_count = r.be32();
  return BhsFields{p};
}

Result<BhsFields> decode_logout_response(ByteReader& r) {
  LogoutResponse p;
  r.skip(2);
  p.response = r.u8();
  r.skip(21);
  p.stat_sn = r.be32();
  p.exp_cmd_sn = r.be32();
  p.max_cmd_sn = r.be32();
  r.skip(4);
  p.time2wait = r.be16();
  p.time2retain = r.be16();
  return BhsFields{p};
}

Result<BhsFields> decode_ready_to_transfer(ByteReader& r) {
  ReadyToTransfer p;
  r.skip(8);
  p.logical_unit_number = r.be64();
  r.skip(4);
  p.target_transfer_tag = r.be32();
  p.stat_sn = r.be32();
  p.exp_cmd_sn = r.be32();
  p.max_cmd_sn = r.be32();
  p.r2t_sn = r.be32();
  p.buffer_offset = r.be32();
  p.desired_data_transfer_length = r.be32();
  return BhsFields{p};
}

Result<BhsFields> decode_async_message(ByteReader& r) {
  AsyncMessage p;
  r.skip(8);
  p.logical_unit_number = r.be64();
  r.skip(8);
  p.stat_sn = r.be32();
  p.exp_cmd_sn = r.be32();
  p.max_cmd_sn = r.be32();
  p.async_event = r.u8();
  p.async_vcode = r.u8();
  p.parameter1 = r.be16();
  p.parameter2 = r.be16();
  p.parameter3 = r.be16();
  return BhsFields{p};
}

Result<BhsFields> decode_reject(ByteReader& r) {
  Reject p;
  r.skip(2);
  p.reason = r.u8();
  r.skip(21);
  p.stat_sn = r.be32();
  p.exp_cmd_sn = r.be32();
  p.max_cmd_sn = r.be32();
  p.data_sn = r.be32();
  return BhsFields{p};
}

// One row per defined opcode (RFC 7143 11.2.1.2). `task_tag_required`: the PDU starts or
// names a task, so ITT FFFFFFFFh (reserved, RFC 7143 11.2.1.8) is an invalid PDU field.
struct OpcodeRow {
  Opcode opcode;
  std::string_view name;
  bool task_tag_required;
  Result<BhsFields> (*decode)(ByteReader&);
};

constexpr OpcodeRow kOpcodes[] = {
    {Opcode::kNopOut, "NOP-Out", false, decode_nop_out},
    {Opcode::kScsiCommand, "SCSI Command", true, decode_scsi_command},
    {Opcode::kTaskManagementRequest, "Task Management Function Request", true,
     decode_task_management_request},
    {Opcode::kLoginRequest, "Login Request", false, decode_login_request},
    {Opcode::kTextRequest, "Text Request", true, decode_text_request},
    {Opcode::kScsiDataOut, "SCSI Data-Out", false, decode_scsi_data_out},
    {Opcode::kLogoutRequest, "Logout Request", true, decode_logout_request},
    {Opcode::kSnackRequest, "SNACK Request", false, decode_snack_request},
    {Opcode::kNopIn, "NOP-In", false, decode_nop_in},
    {Opcode::kScsiResponse, "SCSI Response", false, decode_scsi_response},
    {Opcode::kTaskManagementResponse, "Task Management Function Response", false,
     decode_task_management_response},
    {Opcode::kLoginResponse, "Login Response", false, decode_login_response},
    {Opcode::kTextResponse, "Text Response", false, decode_text_response},
    {Opcode::kScsiDataIn, "SCSI Data-In", false, decode_scsi_data_in},
    {Opcode::kLogoutResponse, "Logout Response", false, decode_logout_response},
    {Opcode::kReadyToTransfer, "Ready To Transfer", false, decode_ready_to_transfer},
    {Opcode::kAsyncMessage, "Asynchronous Message", false, decode_async_message},
    {Opcode::kReject, "Reject", false, decode_reject},
};

const OpcodeRow* find_opcode(std::uint8_t opcode) {
  for (const auto& row : kOpcodes)
    if (static_cast<std::uint8_t>(row.opcode) == opcode) return &row;
  return nullptr;
}

// ---- Per-opcode encoders: the mirror images of the decoders above. -------------------

void encode_fields(const NopOut& p, ByteWriter& w) {
  put_opcode(w, p.kOpcode, p.immediate);
  w.u8(0x80);
  w.zeros(2);
  skip_common_4_to_7(w);
  w.be64(p.logical_unit_number);
  skip_common_itt(w);
  w.be32(p.target_transfer_tag);
  w.be32(p.cmd_sn);
  w.be32(p.exp_stat_sn);
}

void encode_fields(const ScsiCommand& p, ByteWriter& w) {
  put_opcode(w, p.kOpcode, p.immediate);
  w.u8(static_cast<std::uint8_t>(flag(p.final, 7) | flag(p.read, 6) | flag(p.write, 5) |
                                 (static_cast<std::uint8_t>(p.attr) & 0x07)));
  w.zeros(2);
  skip_common_4_to_7(w);
  w.be64(p.logical_unit_number);
  skip_common_itt(w);
  w.be32(p.expected_data_transfer_length);
  w.be32(p.cmd_sn);
  w.be32(p.exp_stat_sn);
  w.bytes(p.cdb);
}

void encode_fields(const TaskManagementRequest& p, ByteWriter& w) {
  put_opcode(w, p.kOpcode, p.immediate);
  w.u8(static_cast<std::uint8_t>(0x80 | (p.function & 0x7F)));
  w.zeros(2);
  skip_common_4_to_7(w);
  w.be64(p.logical_unit_number);
  skip_common_itt(w);
  w.be32(p.referenced_task_tag);
  w.be32(p.cmd_sn);
  w.be32(p.exp_stat_sn);
  w.be32(p.ref_cmd_sn);
  w.be32(p.exp_data_sn);
}

void encode_fields(const LoginRequest& p, ByteWriter& w) {
  put_opcode(w, p.kOpcode, p.immediate);
  w.u8(encode_login_flags(p.transit, p.continue_, p.csg, p.nsg));
  w.u8(p.version_max);
  w.u8(p.version_min);
  skip_common_4_to_7(w);
  w.bytes(p.isid);
  w.be16(p.tsih);
  skip_common_itt(w);
  w.be16(p.cid);
  w.zeros(2);
  w.be32(p.cmd_sn);
  w.be32(p.exp_stat_sn);
}

void encode_fields(const TextRequest& p, ByteWriter& w) {
  put_opcode(w, p.kOpcode, p.immediate);
  w.u8(static_cast<std::uint8_t>(flag(p.final, 7) | flag(p.continue_, 6)));
  w.zeros(2);
  skip_common_4_to_7(w);
  w.be64(p.logical_unit_number);
  skip_common_itt(w);
  w.be32(p.target_transfer_tag);
  w.be32(p.cmd_sn);
  w.be32(p.exp_stat_sn);
}

void encode_fields(const ScsiDataOut& p, ByteWriter& w) {
  put_opcode(w, p.kOpcode);
  w.u8(flag(p.final, 7));
  w.zeros(2);
  skip_common_4_to_7(w);
  w.be64(p.logical_unit_number);
  skip_common_itt(w);
  w.be32(p.target_transfer_tag);
  w.zeros(4);
  w.be32(p.exp_stat_sn);
  w.zeros(4);
  w.be32(p.data_sn);
  w.be32(p.buffer_offset);
}

void encode_fields(const LogoutRequest& p, ByteWriter& w) {
  put_opcode(w, p.kOpcode, p.immediate);
  w.u8(static_cast<std::uint8_t>(0x80 | (static_cast<std::uint8_t>(p.reason_code) & 0x7F)));
  w.zeros(2);
  skip_common_4_to_7(w);
  w.zeros(8);
  skip_common_itt(w);
  w.be16(p.cid);
  w.zeros(2);
  w.be32(p.cmd_sn);
  w.be32(p.exp_stat_sn);
}

void encode_fields(const SnackRequest& p, ByteWriter& w) {
  put_opcode(w, p.kOpcode);
  w.u8(static_cast<std::uint8_t>(0x80 | (static_cast<std::uint8_t>(p.type) & 0x0F)));
  w.zeros(2);
  skip_common_4_to_7(w);
  w.be64(p.logical_unit_number);
  skip_common_itt(w);
  w.be32(p.target_transfer_tag);
  w.zeros(4);
  w.be32(p.exp_stat_sn);
  w.zeros(8);
  w.be32(p.beg_run);
  w.be32(p.run_length);
}

// NOP-In, R2T, Text Response, Data-In and Async share "LUN, ITT, TTT-or-reserved,
// StatSN, ExpCmdSN, MaxCmdSN" in bytes 8-35.
void put_lun_to_max_cmd_sn(ByteWriter& w, std::uint64_t lun, std::uint32_t ttt,
                           std::uint32_t stat_sn, std::uint32_t exp_cmd_sn,
                           std::uint32_t max_cmd_sn) {
  w.be64(lun);
  skip_common_itt(w);
  w.be32(ttt);
  w.be32(stat_sn);
  w.be32(exp_cmd_sn);
  w.be32(max_cmd_sn);
}

void encode_fields(const NopIn& p, ByteWriter& w) {
  put_opcode(w, p.kOpcode);
  w.u8(0x80);
  w.zeros(2);
  skip_common_4_to_7(w);
  put_lun_to_max_cmd_sn(w, p.logical_unit_number, p.target_transfer_tag, p.stat_sn,
                        p.exp_cmd_sn, p.max_cmd_sn);
}

void encode_fields(const ScsiResponse& p, ByteWriter& w) {
  put_opcode(w, p.kOpcode);
  w.u8(static_cast<std::uint8_t>(0x80 | flag(p.bidi_read_residual_overflow, 4) |
                                 flag(p.bidi_read_residual_underflow, 3) |
                                 flag(p.residual_overflow, 2) | flag(p.residual_underflow, 1)));
  w.u8(p.response);
  w.u8(p.status);
  skip_common_4_to_7(w);
  w.zeros(8);
  skip_common_itt(w);
  w.be32(p.snack_tag);
  w.be32(p.stat_sn);
  w.be32(p.exp_cmd_sn);
  w.be32(p.max_cmd_sn);
  w.be32(p.exp_data_sn);
  w.be32(p.bidirectional_read_residual_count);
  w.be32(p.residual_count);
}

// TMF Response, Logout Response and Reject: byte 2 carries a code, bytes 8-23 are
// reserved apart from the ITT, then StatSN, ExpCmdSN, MaxCmdSN.
void put_code_and_sns(ByteWriter& w, Opcode opcode, std::uint8_t code, std::uint32_t stat_sn,
                      std::uint32_t exp_cmd_sn, std::uint32_t max_cmd_sn) {
  put_opcode(w, opcode);
  w.u8(0x80);
  w.u8(code);
  w.zeros(1);
  skip_common_4_to_7(w);
  w.zeros(8);
  skip_common_itt(w);
  w.zeros(4);
  w.be32(stat_sn);
  w.be32(exp_cmd_sn);
  w.be32(max_cmd_sn);
}

void encode_fields(const TaskManagementResponse& p, ByteWriter& w) {
  put_code_and_sns(w, p.kOpcode, p.response, p.stat_sn, p.exp_cmd_sn, p.max_cmd_sn);
}

void encode_fields(const LoginResponse& p, ByteWriter& w) {
  put_opcode(w, p.kOpcode);
  w.u8(encode_login_flags(p.transit, p.continue_, p.csg, p.nsg));
  w.u8(p.version_max);
  w.u8(p.version_active);
  skip_common_4_to_7(w);
  w.bytes(p.isid);
  w.be16(p.tsih);
  skip_common_itt(w);
  w.zeros(4);
  w.be32(p.stat_sn);
  w.be32(p.exp_cmd_sn);
  w.be32(p.max_cmd_sn);
  w.u8(p.status_class);
  w.u8(p.status_detail);
}

void encode_fields(const TextResponse& p, ByteWriter& w) {
  put_opcode(w, p.kOpcode);
  w.u8(static_cast<std::uint8_t>(flag(p.final, 7) | flag(p.continue_, 6)));
  w.zeros(2);
  skip_common_4_to_7(w);
  put_lun_to_max_cmd_sn(w, p.logical_unit_number, p.target_transfer_tag, p.stat_sn,
                        p.exp_cmd_sn, p.max_cmd_sn);
}

void encode_fields(const ScsiDataIn& p, ByteWriter& w) {
  put_opcode(w, p.kOpcode);
  w.u8(static_cast<std::uint8_t>(flag(p.final, 7) | flag(p.acknowledge, 6) |
                                 flag(p.residual_overflow, 2) | flag(p.residual_underflow, 1) |
                                 flag(p.status_present, 0)));
  w.zeros(1);
  w.u8(p.status_present ? p.status : std::uint8_t{0});
  skip_common_4_to_7(w);
  put_lun_to_max_cmd_sn(w, p.logical_unit_number, p.target_transfer_tag,
                        p.status_present ? p.stat_sn : 0U, p.exp_cmd_sn, p.max_cmd_sn);
  w.be32(p.data_sn);
  w.be32(p.buffer_offset);
  w.be32(p.residual_count);
}

void encode_fields(const LogoutResponse& p, ByteWriter& w) {
  put_code_and_sns(w, p.kOpcode, p.response, p.stat_sn, p.exp_cmd_sn, p.max_cmd_sn);
  w.zeros(4);
  w.be16(p.time2wait);
  w.be16(p.time2retain);
}

void encode_fields(const ReadyToTransfer& p, ByteWriter& w) {
  put_opcode(w, p.kOpcode);
  w.u8(0x80);
  w.zeros(2);
  skip_common_4_to_7(w);
  put_lun_to_max_cmd_sn(w, p.logical_unit_number, p.target_transfer_tag, p.stat_sn,
                        p.exp_cmd_sn, p.max_cmd_sn);
  w.be32(p.r2t_sn);
  w.be32(p.buffer_offset);
  w.be32(p.desired_data_transfer_length);
}

void encode_fields(const AsyncMessage& p, ByteWriter& w) {
  put_opcode(w, p.kOpcode);
  w.u8(0x80);
  w.zeros(2);
  skip_common_4_to_7(w);
  put_lun_to_max_cmd_sn(w, p.logical_unit_number, 0, p.stat_sn, p.exp_cmd_sn, p.max_cmd_sn);
  w.u8(p.async_event);
  w.u8(p.async_vcode);
  w.be16(p.parameter1);
  w.be16(p.parameter2);
  w.be16(p.parameter3);
}

void encode_fields(const Reject& p, ByteWriter& w) {
  put_code_and_sns(w, p.kOpcode, p.reason, p.stat_sn, p.exp_cmd_sn, p.max_cmd_sn);
  w.be32(p.data_sn);
}

}  // namespace

PduError PduError::protocol_error(PduErrorCode code, std::size_t at) {
  return {code, RejectReason::kProtocolError, false, at, {}};
}
PduError PduError::invalid_pdu_field(PduErrorCode code, std::size_t at) {
  return {code, RejectReason::kInvalidPduField, false, at, {}};
}
PduError PduError::drop(PduErrorCode code, std::size_t at) {
  return {code, std::nullopt, true, at, {}};
}

std::string_view opcode_name(std::uint8_t opcode) {
  const OpcodeRow* row = find_opcode(opcode);
  return row ? row->name : "reserved";
}

std::string_view pdu_error_code_name(PduErrorCode code) {
  static constexpr std::string_view kNames[] = {
      "truncated header", "reserved opcode", "opcode of the wrong direction",
      "I bit on a target opcode", "reserved value", "inconsistent flags",
      "reserved task tag", "invalid AHS", "header digest error", "data digest error",
      "data segment too long", "immediate data too long", "connection failed"};
  const auto index = static_cast<std::size_t>(code);
  return index < std::size(kNames) ? kNames[index] : "unknown";
}

Opcode opcode_of(const BhsFields& fields) {
  return std::visit([](const auto& f) { return std::decay_t<decltype(f)>::kOpcode; }, fields);
}

Result<Bhs> decode_bhs(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kBhsLength) {
    return PduError::drop(PduErrorCode::kTruncatedHeader, bytes.size())
        .because("a BHS is 48 bytes, got " + std::to_string(bytes.size()));
  }
  const auto header = bytes.first(kBhsLength);
  ByteReader common(header);
  const std::uint8_t byte0 = common.u8();
  const std::uint8_t opcode = bits<5, 0>(byte0);
  const OpcodeRow* row = find_opcode(opcode);
  if (row == nullptr) {
    return PduError::protocol_error(PduErrorCode::kReservedOpcode, kAtOpcode)
        .because("opcode " + hex_byte(opcode) + " is reserved or vendor specific");
  }
  if (!is_initiator_opcode(opcode) && bit(byte0, 6)) {
    // The I bit exists only in requests (RFC 7143 11.2.1.1). A response carrying it comes
    // from a peer confused about who it is; no known target sets it, so refuse rather
    // than ignore it as a reserved bit.
    return PduError::protocol_error(PduErrorCode::kImmediateOnResponse, kAtOpcode)
        .because(std::string(row->name) + " with the I bit set");
  }
  Bhs bhs;
  common.skip(kAtTotalAhsLength - 1);
  bhs.total_ahs_length = common.u8();
  bhs.data_segment_length = common.be24();
  common.skip(8);
  bhs.initiator_task_tag = common.be32();
  if (row->task_tag_required && bhs.initiator_task_tag == kReservedTag) {
    return PduError::invalid_pdu_field(PduErrorCode::kReservedTaskTag, kAtInitiatorTaskTag)
        .because(std::string(row->name) + " with the reserved ITT FFFFFFFFh");
  }
  ByteReader specific(header);
  auto fields = row->decode(specific);
  if (!fields) return std::move(fields).error();
  assert(specific.ok());  // trailing reserved bytes are simply not read
  bhs.fields = std::move(fields).value();
  return bhs;
}

void encode_bhs(const Bhs& bhs, ByteWriter& out) {
  const std::size_t start = out.size();
  std::visit([&out](const auto& f) { encode_fields(f, out); }, bhs.fields);
  assert(out.size() - start <= kBhsLength);
  out.zeros(kBhsLength - (out.size() - start));  // trailing reserved bytes
  out.put_be32_at(start + kAtTotalAhsLength,
                  (std::uint32_t{bhs.total_ahs_length} << 24) |
                      (bhs.data_segment_length & kMaxDataSegmentLength));
  out.put_be32_at(start + kAtInitiatorTaskTag, bhs.initiator_task_tag);
}

std::array<std::uint8_t, kBhsLength> encode_bhs(const Bhs& bhs) {
  ByteWriter w(kBhsLength);
  encode_bhs(bhs, w);
  std::array<std::uint8_t, kBhsLength> out{};
  std::copy(w.data().begin(), w.data().end(), out.begin());
  return out;
}

// ---- AHS (RFC 7143 11.2.2) -------------------------------------------------------------

namespace {

constexpr std::size_t kAhsHeaderLength = 3;  // AHSLength (2) + AHSType (1)
constexpr std::uint16_t kBidirectionalAhsLength = 5;

std::size_t padded4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

// One AHS whose header (AHSLength, AHSType) has been read; `body` holds AHSLength bytes.
std::optional<PduError> decode_one_ahs(std::uint8_t code, std::size_t at_length,
                                       std::size_t at_type, ByteReader body, Ahs& ahs) {
  if (code == kAhsTypeExtendedCdb) {
    if (!ahs.extended_cdb.empty())
      return PduError::protocol_error(PduErrorCode::kInvalidAhs, at_type)
          .because("a second Extended CDB AHS");
    if (body.size() < 2)
      return PduError::protocol_error(PduErrorCode::kInvalidAhs, at_length)
          .because("Extended CDB AHSLength below 2 carries no CDB byte");
    body.skip(1);  // reserved
    const auto cdb = body.bytes(body.remaining());
    ahs.extended_cdb.assign(cdb.begin(), cdb.end());
    return std::nullopt;
  }
  if (code == kAhsTypeBidirectionalReadLength) {
    if (ahs.bidirectional_read_expected_data_transfer_length)
      return PduError::protocol_error(PduErrorCode::kInvalidAhs, at_type)
          .because("a second Bidirectional Read Expected Data Transfer Length AHS");
    if (body.size() != kBidirectionalAhsLength)
      return PduError::protocol_error(PduErrorCode::kInvalidAhs, at_length)
          .because("Bidirectional Read Expected Data Transfer Length AHSLength must be 5");
    body.skip(1);  // reserved
    ahs.bidirectional_read_expected_data_transfer_length = body.be32();
    return std::nullopt;
  }
  return PduError::protocol_error(PduErrorCode::kInvalidAhs, at_type)
      .because("AHS type " + std::to_string(code) + " is reserved (RFC 7143 11.2.2.1)");
}

void put_ahs_header(ByteWriter& w, std::size_t ahs_length, std::uint8_t type) {
  w.be16(static_cast<std::uint16_t>(ahs_length));
  w.u8(type);
}

}  // namespace

Result<Ahs> decode_ahs(std::span<const std::uint8_t> bytes, std::size_t base) {
  Ahs ahs;
  ByteReader r(bytes, base);
  while (!r.empty()) {
    // Length first: the header, then AHSLength plus padding, must fit what is left of
    // TotalAHSLength (RFC 7143 11.2.1.5, 11.2.2.2).
    const std::size_t at_length = r.offset();
    if (!r.has(kAhsHeaderLength + 1)) {
      return PduError::protocol_error(PduErrorCode::kInvalidAhs, at_length)
          .because("TotalAHSLength leaves " + std::to_string(r.remaining()) +
                   " bytes, too few for an AHS");
    }
    const std::uint16_t ahs_length = r.be16();
    const std::size_t at_type = r.offset();
    const std::uint8_t code = bits<5, 0>(r.u8());
    auto body = r.take(ahs_length);
    const std::size_t padding = padded4(kAhsHeaderLength + ahs_length) - kAhsHeaderLength -
                                ahs_length;
    if (!body || !r.has(padding)) {
      return PduError::protocol_error(PduErrorCode::kInvalidAhs, at_length)
          .because("AHSLength " + std::to_string(ahs_length) +
                   " runs past TotalAHSLength (TotalAHSLength inconsistent)");
    }
    r.skip(padding);
    if (auto error = decode_one_ahs(code, at_length, at_type, *body, ahs)) return *error;
  }
  return ahs;
}

void encode_ahs(const Ahs& ahs, ByteWriter& out) {
  [[maybe_unused]] const std::size_t start = out.size();  // for the size asserts
  if (!ahs.extended_cdb.empty()) {
    put_ahs_header(out, ahs.extended_cdb.size() + 1, kAhsTypeExtendedCdb);
    out.u8(0);
    out.bytes(ahs.extended_cdb);
    out.pad_to_multiple(4);  // `start` is 4-aligned in every PDU (after the 48-byte BHS)
  }
  if (ahs.bidirectional_read_expected_data_transfer_length) {
    put_ahs_header(out, kBidirectionalAhsLength, kAhsTypeBidirectionalReadLength);
    out.u8(0);
    out.be32(*ahs.bidirectional_read_expected_data_transfer_length);
  }
  assert(out.size() - start == encoded_ahs_length(ahs));
  assert(out.size() - start <= kMaxAhsLength);
}

std::size_t encoded_ahs_length(const Ahs& ahs) {
  std::size_t n = 0;
  if (!ahs.extended_cdb.empty()) n += padded4(kAhsHeaderLength + 1 + ahs.extended_cdb.size());
  if (ahs.bidirectional_read_expected_data_transfer_length)
    n += kAhsHeaderLength + kBidirectionalAhsLength;
  return n;
}

std::vector<std::uint8_t> full_cdb(const ScsiCommand& command, const Ahs& ahs) {
  std::vector<std::uint8_t> cdb(command.cdb.begin(), command.cdb.end());
  cdb.insert(cdb.end(), ahs.extended_cdb.begin(), ahs.extended_cdb.end());
  return cdb;
}

}  // namespace xg::iscsi
