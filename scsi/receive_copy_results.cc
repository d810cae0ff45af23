#include "scsi/receive_copy_results.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "base/bits.h"
#include "base/byte_reader.h"
#include "base/byte_writer.h"

namespace xg::scsi {
namespace {

using base::ByteReader;
using base::ByteWriter;
using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kAvailableDataLength = 4;  // bytes 0-3 of every response
constexpr std::size_t kCopyStatusLid1Length = 12;
constexpr std::size_t kOperatingParametersMinimumAvailable = 40;  // bytes 4-43
constexpr std::size_t kFailureDetailsMinimumAvailable = 56;       // bytes 4-59
constexpr std::size_t kLid4HeaderAvailable = kLid4StatusHeaderLength - kAvailableDataLength;  // 28
constexpr std::size_t kListLengthFieldLength = 4;  // HELD DATA / ROD TOKEN DESCRIPTORS LENGTH
constexpr std::size_t kReportAllRodTokensHeaderAvailable = 4;  // bytes 4-7 reserved
constexpr std::uint8_t kMaxTransferCountUnitsLid1 = 0x06;

// Table 249: every defined COPY OPERATION STATUS code.
constexpr std::array<CopyOperationStatus, 8> kCopyOperationStatuses = {
    CopyOperationStatus::kCompleted,
    CopyOperationStatus::kCompletedWithErrors,
    CopyOperationStatus::kCompletedPartialRodTokenUsage,
    CopyOperationStatus::kCompletedWithResidualData,
    CopyOperationStatus::kInProgress,
    CopyOperationStatus::kInProgressForeground,
    CopyOperationStatus::kInProgressBackground,
    CopyOperationStatus::kTerminated,
};

std::string hex_byte(std::uint8_t v) {
  constexpr char kDigits[] = "0123456789ABCDEF";
  return {kDigits[v >> 4], kDigits[v & 0x0F], 'h'};
}

// Writes the AVAILABLE DATA placeholder; patch_available_data() fills it in at the end.
void put_available_data_placeholder(ByteWriter& w) { w.be32(0); }

void patch_available_data(ByteWriter& w) {
  w.put_be32_at(0, static_cast<std::uint32_t>(w.size() - kAvailableDataLength));
}

std::span<const std::uint8_t> capped(std::span<const std::uint8_t> bytes, std::size_t limit) {
  return bytes.first(std::min(bytes.size(), limit));
}

// Reads AVAILABLE DATA (bytes 0-3) and returns a reader over exactly the bytes it counts,
// with absolute offsets. Container-level checks first: the field itself must be there and
// must not run past the data (1A/00), then it must cover the fixed part (26/00).
Result<ByteReader> available_data(std::span<const std::uint8_t> bytes, std::size_t minimum,
                                  const char* what) {
  ByteReader r(bytes);
  const std::size_t at = r.offset();
  if (!r.has(kAvailableDataLength)) {
    return Sense::param_list_length_error(FieldRef::param(at))
        .because(std::string(what) + ": " + std::to_string(bytes.size()) +
                 " bytes, too short for the 4-byte AVAILABLE DATA field");
  }
  const std::uint32_t available = r.be32();
  auto body = r.take(available);
  if (!body) {
    return Sense::param_list_length_error(FieldRef::param(at))
        .because(std::string(what) + ": AVAILABLE DATA " + std::to_string(available) +
                 " runs past the " + std::to_string(r.remaining()) + " bytes after it");
  }
  if (available < minimum) {
    return Sense::invalid_field_in_param_list(FieldRef::param(at))
        .because(std::string(what) + ": AVAILABLE DATA " + std::to_string(available) +
                 " is below the " + std::to_string(minimum) + " bytes its fixed fields need");
  }
  return *body;
}

bool valid_transfer_count_units(std::uint8_t code, bool allow_blocks) {
  return code <= kMaxTransferCountUnitsLid1 ||
         (allow_blocks &&
          code == static_cast<std::uint8_t>(TransferCountUnits::kDestinationBlocks));
}

bool valid_copy_operation_status(std::uint8_t code) {
  return std::any_of(
      kCopyOperationStatuses.begin(), kCopyOperationStatuses.end(),
      [code](CopyOperationStatus s) { return static_cast<std::uint8_t>(s) == code; });
}

Sense reserved_code(std::size_t at, std::optional<std::uint8_t> bit, const char* field,
                    std::uint8_t code) {
  return Sense::invalid_field_in_param_list(FieldRef::param(at, bit))
      .because(std::string(field) + " " + hex_byte(code) + " is reserved");
}

// ---- LID4 shared header ----

void put_lid4_header(const CopyStatusLid4& s, ByteWriter& w) {
  const auto sense = capped(s.sense_data, kLid4MaxSenseDataLength);
  const std::size_t field_length = (sense.size() + 3) / 4 * 4;
  put_available_data_placeholder(w);
  w.u8(s.response_to_service_action & base::mask<4, 0>());
  w.u8(static_cast<std::uint8_t>((s.hdd ? 0x80 : 0x00) |
                                 (static_cast<std::uint8_t>(s.copy_operation_status) & 0x7F)));
  w.be16(s.operation_counter);
  w.be32(s.estimated_status_update_delay);
  w.u8(static_cast<std::uint8_t>(s.extended_copy_completion_status));
  w.u8(static_cast<std::uint8_t>(field_length));  // LENGTH OF THE SENSE DATA FIELD
  w.u8(static_cast<std::uint8_t>(sense.size()));  // SENSE DATA LENGTH
  w.u8(static_cast<std::uint8_t>(s.transfer_count_units));
  w.be64(s.transfer_count);
  w.be16(s.segments_processed);
  w.zeros(6);  // bytes 26-31 reserved
  assert(w.size() == kLid4StatusHeaderLength);
  w.bytes(sense);
  w.zeros(field_length - sense.size());  // pad bytes: counted in byte 13, not in byte 14
}

// A decoded LID4 header plus a reader over what follows the sense data field (inside
// AVAILABLE DATA): nothing for RCS(LID4), the list length and list for RCD(LID4)/RRTI.
struct Lid4Body {
  CopyStatusLid4 status;
  ByteReader rest;
};

// `trailer`: bytes that must follow the sense data field (4 for the list length, or 0).
Result<Lid4Body> decode_lid4(std::span<const std::uint8_t> bytes, std::size_t trailer,
                             const char* what) {
  auto body = available_data(bytes, kLid4HeaderAvailable + trailer, what);
  if (!body) return std::move(body).error();
  ByteReader& r = *body;
  CopyStatusLid4 s;
  s.response_to_service_action = base::bits<4, 0>(r.u8());
  const std::size_t at_status = r.offset();
  const std::uint8_t byte5 = r.u8();
  s.hdd = base::bit(byte5, 7);
  const std::uint8_t status = base::bits<6, 0>(byte5);
  s.operation_counter = r.be16();
  s.estimated_status_update_delay = r.be32();
  s.extended_copy_completion_status = static_cast<Status>(r.u8());
  const std::size_t at_field_length = r.offset();
  const std::uint8_t field_length = r.u8();
  const std::size_t at_sense_length = r.offset();
  const std::uint8_t sense_length = r.u8();
  const std::size_t at_units = r.offset();
  const std::uint8_t units = r.u8();
  s.transfer_count = r.be64();
  s.segments_processed = r.be16();
  r.skip(6);  // bytes 26-31 reserved

  // Lengths first (container, then the sense field inside it), then the codes.
  if (field_length % 4 != 0) {
    return Sense::invalid_field_in_param_list(FieldRef::param(at_field_length))
        .because(std::string(what) + ": LENGTH OF THE SENSE DATA FIELD " +
                 std::to_string(field_length) + " is not a multiple of 4");
  }
  if (sense_length > field_length) {
    // Windows' classpnp asserts byte 13 >= byte 14 (Windows-driver-samples classpnp).
    return Sense::invalid_field_in_param_list(FieldRef::param(at_sense_length))
        .because(std::string(what) + ": SENSE DATA LENGTH " + std::to_string(sense_length) +
                 " exceeds LENGTH OF THE SENSE DATA FIELD " + std::to_string(field_length));
  }
  auto field = r.take(field_length);
  if (!field) {
    return Sense::param_list_length_error(FieldRef::param(at_field_length))
        .because(std::string(what) + ": the " + std::to_string(field_length) +
                 "-byte SENSE DATA field runs past AVAILABLE DATA");
  }
  if (!r.has(trailer)) {
    return Sense::invalid_field_in_param_list(FieldRef::param(0))
        .because(std::string(what) +
                 ": AVAILABLE DATA leaves no room for the 4-byte list length after the "
                 "SENSE DATA field");
  }
  if (!valid_copy_operation_status(status)) {
    return reserved_code(at_status, 6, "COPY OPERATION STATUS", status);
  }
  if (!valid_transfer_count_units(units, true)) {
    return reserved_code(at_units, std::nullopt, "TRANSFER COUNT UNITS", units);
  }
  s.copy_operation_status = static_cast<CopyOperationStatus>(status);
  s.transfer_count_units = static_cast<TransferCountUnits>(units);
  const auto sense = field->bytes(sense_length);
  s.sense_data.assign(sense.begin(), sense.end());
  return Lid4Body{std::move(s), r.rest()};
}

// The 4-byte list length after the sense field and a reader over exactly the list.
Result<ByteReader> trailing_list(ByteReader& r, const char* what, const char* field) {
  const std::size_t at = r.offset();
  const std::uint32_t length = r.be32();
  auto list = r.take(length);
  if (!list) {
    return Sense::param_list_length_error(FieldRef::param(at))
        .because(std::string(what) + ": " + field + " " + std::to_string(length) +
                 " runs past AVAILABLE DATA");
  }
  return *list;
}

}  // namespace

// ---- transfer counts ----

TransferCount transfer_count_for_bytes(std::uint64_t bytes) {
  unsigned unit = 0;
  // (2^64 - 1) >> 40 = FFFFFFh, so the loop ends at TiB (04h) at the latest.
  while ((bytes >> (10 * unit)) > 0xFFFF'FFFFULL) ++unit;
  return {static_cast<TransferCountUnits>(unit), static_cast<std::uint32_t>(bytes >> (10 * unit))};
}

// ---- 00h RECEIVE COPY STATUS(LID1) ----

std::vector<std::uint8_t> encode_copy_status_lid1(const CopyStatusLid1& s) {
  ByteWriter w(kCopyStatusLid1Length);
  w.be32(kCopyStatusLid1AvailableData);
  w.u8(static_cast<std::uint8_t>((s.hdd ? 0x80 : 0x00) |
                                 (static_cast<std::uint8_t>(s.copy_command_status) & 0x7F)));
  w.be16(s.segments_processed);
  w.u8(static_cast<std::uint8_t>(s.transfer_count_units));
  w.be32(s.transfer_count);
  assert(w.size() == kCopyStatusLid1Length);
  return w.take();
}

Result<CopyStatusLid1> decode_copy_status_lid1(std::span<const std::uint8_t> bytes) {
  constexpr const char* kWhat = "RECEIVE COPY STATUS(LID1)";
  auto body = available_data(bytes, kCopyStatusLid1AvailableData, kWhat);
  if (!body) return std::move(body).error();
  ByteReader& r = *body;
  CopyStatusLid1 s;
  const std::size_t at_status = r.offset();
  const std::uint8_t byte4 = r.u8();
  s.hdd = base::bit(byte4, 7);
  const std::uint8_t status = base::bits<6, 0>(byte4);
  if (status > static_cast<std::uint8_t>(CopyCommandStatus::kCompletedWithErrors)) {
    return reserved_code(at_status, 6, "COPY COMMAND STATUS", status);
  }
  s.copy_command_status = static_cast<CopyCommandStatus>(status);
  s.segments_processed = r.be16();
  const std::size_t at_units = r.offset();
  const std::uint8_t units = r.u8();
  if (!valid_transfer_count_units(units, false)) {
    return reserved_code(at_units, std::nullopt, "TRANSFER COUNT UNITS (LID1)", units);
  }
  s.transfer_count_units = static_cast<TransferCountUnits>(units);
  s.transfer_count = r.be32();
  return s;
}

// ---- 01h RECEIVE COPY DATA(LID1) ----

std::vector<std::uint8_t> encode_copy_data_lid1(const CopyDataLid1& data) {
  ByteWriter w;
  put_available_data_placeholder(w);
  w.bytes(capped(data.held_data, kMaxHeldDataLength));
  patch_available_data(w);
  return w.take();
}

Result<CopyDataLid1> decode_copy_data_lid1(std::span<const std::uint8_t> bytes) {
  auto body = available_data(bytes, 0, "RECEIVE COPY DATA(LID1)");
  if (!body) return std::move(body).error();
  const auto held = body->bytes(body->remaining());
  return CopyDataLid1{Bytes(held.begin(), held.end())};
}

// ---- 03h RECEIVE COPY OPERATING PARAMETERS ----

std::vector<std::uint8_t> encode_operating_parameters(const CopyManagerLimits& l) {
  Bytes codes = l.implemented_descriptor_types;
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  if (codes.size() > 0xFF) codes.resize(0xFF);  // only if all 256 codes were listed

  ByteWriter w(kOperatingParametersFixedLength + codes.size());
  put_available_data_placeholder(w);
  w.u8(l.snlid ? 0x01 : 0x00);
  w.zeros(3);  // bytes 5-7 reserved
  w.be16(l.max_cscd_descriptors);
  w.be16(l.max_segment_descriptors);
  w.be32(l.max_descriptor_list_length);
  w.be32(l.max_segment_length);
  w.be32(l.max_inline_data_length);
  w.be32(l.held_data_limit);
  w.be32(l.max_stream_device_transfer_size);
  w.zeros(2);  // bytes 32-33 reserved
  w.be16(l.total_concurrent_copies);
  w.u8(l.max_concurrent_copies);
  w.u8(l.data_segment_granularity_log2);
  w.u8(l.inline_data_granularity_log2);
  w.u8(l.held_data_granularity_log2);
  w.zeros(3);  // bytes 40-42 reserved
  w.u8(static_cast<std::uint8_t>(codes.size()));
  assert(w.size() == kOperatingParametersFixedLength);
  w.bytes(codes);
  patch_available_data(w);
  return w.take();
}

Result<CopyManagerLimits> decode_operating_parameters(std::span<const std::uint8_t> bytes) {
  constexpr const char* kWhat = "RECEIVE COPY OPERATING PARAMETERS";
  auto body = available_data(bytes, kOperatingParametersMinimumAvailable, kWhat);
  if (!body) return std::move(body).error();
  ByteReader& r = *body;
  CopyManagerLimits l;
  l.snlid = base::bit(r.u8(), 0);
  r.skip(3);
  l.max_cscd_descriptors = r.be16();
  l.max_segment_descriptors = r.be16();
  l.max_descriptor_list_length = r.be32();
  l.max_segment_length = r.be32();
  l.max_inline_data_length = r.be32();
  l.held_data_limit = r.be32();
  l.max_stream_device_transfer_size = r.be32();
  r.skip(2);
  l.total_concurrent_copies = r.be16();
  l.max_concurrent_copies = r.u8();
  l.data_segment_granularity_log2 = r.u8();
  l.inline_data_granularity_log2 = r.u8();
  l.held_data_granularity_log2 = r.u8();
  r.skip(3);
  const std::size_t at_count = r.offset();
  const std::uint8_t count = r.u8();
  auto list = r.take(count);
  if (!list) {
    return Sense::param_list_length_error(FieldRef::param(at_count))
        .because(std::string(kWhat) + ": IMPLEMENTED DESCRIPTOR LIST LENGTH " +
                 std::to_string(count) + " runs past AVAILABLE DATA");
  }
  l.implemented_descriptor_types.clear();
  while (!list->empty()) {
    const std::size_t at_code = list->offset();
    const std::uint8_t code = list->u8();
    if (!l.implemented_descriptor_types.empty() && code <= l.implemented_descriptor_types.back()) {
      return Sense::invalid_field_in_param_list(FieldRef::param(at_code))
          .because(std::string(kWhat) + ": descriptor type code " + hex_byte(code) +
                   " is not in ascending order (SPC-4 6.22)");
    }
    l.implemented_descriptor_types.push_back(code);
  }
  return l;
}

// ---- 04h RECEIVE COPY FAILURE DETAILS(LID1) ----

std::vector<std::uint8_t> encode_failure_details_lid1(
    const std::optional<CopyFailureDetailsLid1>& details) {
  ByteWriter w;
  put_available_data_placeholder(w);  // stays 0: no failure information, nothing follows
  if (details) {
    const auto sense = capped(details->sense_data, 0xFFFF);
    w.zeros(52);  // bytes 4-55 reserved
    w.u8(static_cast<std::uint8_t>(details->copy_command_status));
    w.u8(0);  // byte 57 reserved
    w.be16(static_cast<std::uint16_t>(sense.size()));
    assert(w.size() == kFailureDetailsSenseOffset);
    w.bytes(sense);
    patch_available_data(w);  // total - 4 = 56 + SENSE DATA LENGTH
  }
  return w.take();
}

Result<std::optional<CopyFailureDetailsLid1>> decode_failure_details_lid1(
    std::span<const std::uint8_t> bytes) {
  constexpr const char* kWhat = "RECEIVE COPY FAILURE DETAILS(LID1)";
  auto body = available_data(bytes, 0, kWhat);
  if (!body) return std::move(body).error();
  ByteReader& r = *body;
  if (r.empty()) return std::optional<CopyFailureDetailsLid1>{};
  if (!r.has(kFailureDetailsMinimumAvailable)) {
    return Sense::invalid_field_in_param_list(FieldRef::param(0))
        .because(std::string(kWhat) + ": AVAILABLE DATA " + std::to_string(r.size()) +
                 " is neither 0 nor enough for the 56 bytes up to SENSE DATA");
  }
  CopyFailureDetailsLid1 d;
  r.skip(52);
  d.copy_command_status = static_cast<Status>(r.u8());
  r.skip(1);
  const std::size_t at_length = r.offset();
  const std::uint16_t length = r.be16();
  auto sense = r.take(length);
  if (!sense) {
    return Sense::param_list_length_error(FieldRef::param(at_length))
        .because(std::string(kWhat) + ": SENSE DATA LENGTH " + std::to_string(length) +
                 " runs past AVAILABLE DATA");
  }
  const auto sense_bytes = sense->bytes(length);
  d.sense_data.assign(sense_bytes.begin(), sense_bytes.end());
  return std::optional<CopyFailureDetailsLid1>(std::move(d));
}

// ---- LID4 status ----

bool is_finished(CopyOperationStatus status) {
  switch (status) {
    case CopyOperationStatus::kInProgress:
    case CopyOperationStatus::kInProgressForeground:
    case CopyOperationStatus::kInProgressBackground:
      return false;
    default:
      return true;
  }
}

bool completed_without_errors(CopyOperationStatus status) {
  return status == CopyOperationStatus::kCompleted ||
         status == CopyOperationStatus::kCompletedPartialRodTokenUsage ||
         status == CopyOperationStatus::kCompletedWithResidualData;
}

std::uint32_t estimated_status_update_delay(CopyOperationStatus status,
                                            std::uint32_t in_progress_ms) {
  return is_finished(status) ? kStatusUpdateDelayCompleted : in_progress_ms;
}

// ---- 05h RECEIVE COPY STATUS(LID4) ----

std::vector<std::uint8_t> encode_copy_status_lid4(const CopyStatusLid4& status) {
  ByteWriter w(kLid4StatusHeaderLength + status.sense_data.size() + 3);
  put_lid4_header(status, w);
  patch_available_data(w);
  return w.take();
}

Result<CopyStatusLid4> decode_copy_status_lid4(std::span<const std::uint8_t> bytes) {
  auto body = decode_lid4(bytes, 0, "RECEIVE COPY STATUS(LID4)");
  if (!body) return std::move(body).error();
  return std::move(body->status);
}

// ---- 06h RECEIVE COPY DATA(LID4) ----

std::vector<std::uint8_t> encode_copy_data_lid4(const CopyDataLid4& data) {
  const auto held = capped(data.held_data, kMaxHeldDataLength);
  ByteWriter w;
  put_lid4_header(data.status, w);
  w.be32(static_cast<std::uint32_t>(held.size()));  // HELD DATA LENGTH
  w.bytes(held);
  patch_available_data(w);
  return w.take();
}

Result<CopyDataLid4> decode_copy_data_lid4(std::span<const std::uint8_t> bytes) {
  constexpr const char* kWhat = "RECEIVE COPY DATA(LID4)";
  auto body = decode_lid4(bytes, kListLengthFieldLength, kWhat);
  if (!body) return std::move(body).error();
  auto list = trailing_list(body->rest, kWhat, "HELD DATA LENGTH");
  if (!list) return std::move(list).error();
  const auto held = list->bytes(list->remaining());
  return CopyDataLid4{std::move(body->status), Bytes(held.begin(), held.end())};
}

// ---- 07h RECEIVE ROD TOKEN INFORMATION ----

std::vector<std::uint8_t> encode_rod_token_information(const RodTokenInformation& info) {
  ByteWriter w(kLid4StatusHeaderLength + info.status.sense_data.size() + 3 + kListLengthFieldLength +
               info.rod_tokens.size() * kRodTokenDescriptorLength);
  put_lid4_header(info.status, w);
  w.be32(static_cast<std::uint32_t>(info.rod_tokens.size() * kRodTokenDescriptorLength));
  for (const RodTokenDescriptor& d : info.rod_tokens) {
    w.be16(d.id_for_creating_rod_cscd_descriptor);
    w.bytes(d.rod_token);
  }
  patch_available_data(w);
  return w.take();
}

Result<RodTokenInformation> decode_rod_token_information(std::span<const std::uint8_t> bytes) {
  constexpr const char* kWhat = "RECEIVE ROD TOKEN INFORMATION";
  auto body = decode_lid4(bytes, kListLengthFieldLength, kWhat);
  if (!body) return std::move(body).error();
  const std::size_t at_length = body->rest.offset();
  auto list = trailing_list(body->rest, kWhat, "ROD TOKEN DESCRIPTORS LENGTH");
  if (!list) return std::move(list).error();
  if (list->size() % kRodTokenDescriptorLength != 0) {
    return Sense::invalid_field_in_param_list(FieldRef::param(at_length))
        .because(std::string(kWhat) + ": ROD TOKEN DESCRIPTORS LENGTH " +
                 std::to_string(list->size()) +
                 " is not a whole number of 514-byte descriptors (2-byte ID + 512-byte ROD "
                 "token)");
  }
  RodTokenInformation info{std::move(body->status), {}};
  while (!list->empty()) {
    RodTokenDescriptor d;
    d.id_for_creating_rod_cscd_descriptor = list->be16();
    const auto token = list->bytes(kRrtiRodTokenSize);
    std::copy(token.begin(), token.end(), d.rod_token.begin());
    info.rod_tokens.push_back(d);
  }
  return info;
}

// ---- 08h REPORT ALL ROD TOKENS ----

std::vector<std::uint8_t> encode_report_all_rod_tokens(const ReportAllRodTokens& report) {
  ByteWriter w;
  put_available_data_placeholder(w);
  w.zeros(4);  // bytes 4-7 reserved
  for (const auto& token : report.rod_management_tokens) w.bytes(token);
  patch_available_data(w);
  return w.take();
}

Result<ReportAllRodTokens> decode_report_all_rod_tokens(std::span<const std::uint8_t> bytes) {
  constexpr const char* kWhat = "REPORT ALL ROD TOKENS";
  auto body = available_data(bytes, kReportAllRodTokensHeaderAvailable, kWhat);
  if (!body) return std::move(body).error();
  ByteReader& r = *body;
  r.skip(4);
  if (r.remaining() % kRodManagementTokenLength != 0) {
    return Sense::invalid_field_in_param_list(FieldRef::param(0))
        .because(std::string(kWhat) + ": " + std::to_string(r.remaining()) +
                 " bytes of ROD management tokens are not whole 96-byte tokens");
  }
  ReportAllRodTokens report;
  while (!r.empty()) {
    const auto token = r.bytes(kRodManagementTokenLength);
    auto& out = report.rod_management_tokens.emplace_back();
    std::copy(token.begin(), token.end(), out.begin());
  }
  return report;
}

}  // namespace xg::scsi
