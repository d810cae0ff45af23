// RECEIVE COPY RESULTS / THIRD-PARTY COPY IN (84h) responses (SPC-4 r37 6.20-6.27), decoded
// with scsi/receive_copy_results.h. One kind per response format: the service action is in
// the CDB, not in the data, so the user names it (see `xgate decode --help`).
#include <string>

#include "base/hex.h"
#include "gateway/cli/describe.h"
#include "scsi/receive_copy_results.h"

namespace xg::cli {
namespace {

// SPC-4 table 251.
std::string units_text(scsi::TransferCountUnits u) {
  switch (u) {
    case scsi::TransferCountUnits::kBytes: return "00h bytes";
    case scsi::TransferCountUnits::kKibibytes: return "01h kibibytes";
    case scsi::TransferCountUnits::kMebibytes: return "02h mebibytes";
    case scsi::TransferCountUnits::kGibibytes: return "03h gibibytes";
    case scsi::TransferCountUnits::kTebibytes: return "04h tebibytes";
    case scsi::TransferCountUnits::kPebibytes: return "05h pebibytes";
    case scsi::TransferCountUnits::kExbibytes: return "06h exbibytes";
    case scsi::TransferCountUnits::kDestinationBlocks: return "F1h destination logical blocks";
  }
  return hex_code(static_cast<std::uint8_t>(u));
}

// SPC-4 table 254.
std::string copy_command_status_text(scsi::CopyCommandStatus s) {
  switch (s) {
    case scsi::CopyCommandStatus::kInProgress: return "00h operation in progress";
    case scsi::CopyCommandStatus::kCompletedWithoutErrors:
      return "01h operation completed without errors";
    case scsi::CopyCommandStatus::kCompletedWithErrors:
      return "02h operation completed with errors";
  }
  return hex_code(static_cast<std::uint8_t>(s));
}

// SPC-4 table 249.
std::string copy_operation_status_text(scsi::CopyOperationStatus s) {
  using S = scsi::CopyOperationStatus;
  switch (s) {
    case S::kCompleted: return "01h completed without errors";
    case S::kCompletedWithErrors: return "02h completed with errors";
    case S::kCompletedPartialRodTokenUsage:
      return "03h completed without errors but with partial ROD token usage";
    case S::kCompletedWithResidualData: return "04h completed without errors but with residual data";
    case S::kInProgress: return "10h in progress, foreground or background unknown";
    case S::kInProgressForeground: return "11h in progress in the foreground";
    case S::kInProgressBackground: return "12h in progress in the background";
    case S::kTerminated: return "60h terminated";
  }
  return hex_code(static_cast<std::uint8_t>(s));
}

std::string status_text(scsi::Status s) {
  switch (s) {
    case scsi::Status::kGood: return "00h GOOD";
    case scsi::Status::kCheckCondition: return "02h CHECK CONDITION";
    case scsi::Status::kConditionMet: return "04h CONDITION MET";
    case scsi::Status::kBusy: return "08h BUSY";
    case scsi::Status::kReservationConflict: return "18h RESERVATION CONFLICT";
    case scsi::Status::kTaskSetFull: return "28h TASK SET FULL";
    case scsi::Status::kAcaActive: return "30h ACA ACTIVE";
    case scsi::Status::kTaskAborted: return "40h TASK ABORTED";
  }
  return hex_code(static_cast<std::uint8_t>(s));
}

std::string delay_text(std::uint32_t ms) {
  if (ms == scsi::kStatusUpdateDelayCompleted) return "FFFFFFFEh operation completed";
  if (ms == scsi::kStatusUpdateDelayUnknown) return "FFFFFFFFh unknown";
  return std::to_string(ms) + " ms";
}

// Sense carried inside a response: decoded when it can be, else shown as bytes.
Json sense_field(std::span<const std::uint8_t> sense) {
  if (sense.empty()) return "none";
  if (auto s = decode_sense_checked(sense)) {
    return {{"summary", scsi::describe(*s)}, {"sense", describe_sense(*s)},
            {"bytes", base::to_hex(sense)}};
  }
  return {{"bytes", base::to_hex(sense)}};
}

Json describe_lid4_header(const scsi::CopyStatusLid4& s) {
  Json j;
  j["response_to_service_action"] = operation_name(0x83, s.response_to_service_action);
  j["hdd"] = s.hdd;
  j["copy_operation_status"] = copy_operation_status_text(s.copy_operation_status);
  j["operation_counter"] = s.operation_counter;
  j["estimated_status_update_delay"] = delay_text(s.estimated_status_update_delay);
  j["extended_copy_completion_status"] = status_text(s.extended_copy_completion_status);
  j["sense_data_length"] = s.sense_data.size();
  j["transfer_count_units"] = units_text(s.transfer_count_units);
  j["transfer_count"] = s.transfer_count;
  j["segments_processed"] = s.segments_processed;
  j["sense_data"] = sense_field(s.sense_data);
  return j;
}

Json titled(std::string_view title) {
  Json j;
  j["response"] = std::string(title);
  return j;
}

}  // namespace

scsi::Result<Json> describe_rcr_status_lid1(std::span<const std::uint8_t> bytes) {
  auto s = scsi::decode_copy_status_lid1(bytes);
  if (!s) return std::move(s).error();
  Json j = titled("84h/00h RECEIVE COPY STATUS(LID1)");
  j["hdd"] = s->hdd;
  j["copy_command_status"] = copy_command_status_text(s->copy_command_status);
  j["segments_processed"] = s->segments_processed;
  j["transfer_count_units"] = units_text(s->transfer_count_units);
  j["transfer_count"] = s->transfer_count;
  return j;
}

scsi::Result<Json> describe_rcr_data_lid1(std::span<const std::uint8_t> bytes) {
  auto d = scsi::decode_copy_data_lid1(bytes);
  if (!d) return std::move(d).error();
  Json j = titled("84h/01h RECEIVE COPY DATA(LID1)");
  j["held_data_length"] = d->held_data.size();
  j["held_data"] = base::to_hex(d->held_data);
  return j;
}

scsi::Result<Json> describe_rcr_operating_parameters(std::span<const std::uint8_t> bytes) {
  auto l = scsi::decode_operating_parameters(bytes);
  if (!l) return std::move(l).error();
  Json j = titled("84h/03h RECEIVE COPY OPERATING PARAMETERS");
  j["snlid"] = l->snlid;
  j["maximum_cscd_descriptor_count"] = l->max_cscd_descriptors;
  j["maximum_segment_descriptor_count"] = l->max_segment_descriptors;
  j["maximum_descriptor_list_length"] = l->max_descriptor_list_length;
  j["maximum_segment_length"] = l->max_segment_length;
  j["maximum_inline_data_length"] = l->max_inline_data_length;
  j["held_data_limit"] = l->held_data_limit;
  j["maximum_stream_device_transfer_size"] = l->max_stream_device_transfer_size;
  j["total_concurrent_copies"] = l->total_concurrent_copies;
  j["maximum_concurrent_copies"] = l->max_concurrent_copies;
  j["data_segment_granularity"] = l->data_segment_granularity_log2;
  j["inline_data_granularity"] = l->inline_data_granularity_log2;
  j["held_data_granularity"] = l->held_data_granularity_log2;
  j["implemented_descriptor_list_length"] = l->implemented_descriptor_types.size();
  j["implemented_descriptor_type_codes"] = Json::array();
  for (std::uint8_t code : l->implemented_descriptor_types) {
    j["implemented_descriptor_type_codes"].push_back(descriptor_type_code_text(code));
  }
  return j;
}

scsi::Result<Json> describe_rcr_failure_details(std::span<const std::uint8_t> bytes) {
  auto d = scsi::decode_failure_details_lid1(bytes);
  if (!d) return std::move(d).error();
  Json j = titled("84h/04h RECEIVE COPY FAILURE DETAILS(LID1)");
  if (!d->has_value()) {
    j["failure_information"] = "none (AVAILABLE DATA 0)";
    return j;
  }
  j["copy_command_status"] = status_text((*d)->copy_command_status);
  j["sense_data_length"] = (*d)->sense_data.size();
  j["sense_data"] = sense_field((*d)->sense_data);
  return j;
}

scsi::Result<Json> describe_rcr_status_lid4(std::span<const std::uint8_t> bytes) {
  auto s = scsi::decode_copy_status_lid4(bytes);
  if (!s) return std::move(s).error();
  Json j = titled("84h/05h RECEIVE COPY STATUS(LID4)");
  j.update(describe_lid4_header(*s));
  return j;
}

scsi::Result<Json> describe_rcr_data_lid4(std::span<const std::uint8_t> bytes) {
  auto d = scsi::decode_copy_data_lid4(bytes);
  if (!d) return std::move(d).error();
  Json j = titled("84h/06h RECEIVE COPY DATA(LID4)");
  j.update(describe_lid4_header(d->status));
  j["held_data_length"] = d->held_data.size();
  j["held_data"] = base::to_hex(d->held_data);
  return j;
}

scsi::Result<Json> describe_rrti(std::span<const std::uint8_t> bytes) {
  auto info = scsi::decode_rod_token_information(bytes);
  if (!info) return std::move(info).error();
  Json j = titled("84h/07h RECEIVE ROD TOKEN INFORMATION");
  j.update(describe_lid4_header(info->status));
  j["rod_token_descriptors"] = Json::array();
  for (const auto& t : info->rod_tokens) {
    Json d;
    d["id_for_creating_rod_cscd_descriptor"] = t.id_for_creating_rod_cscd_descriptor;
    d["rod_token"] = describe_embedded_rod_token(t.rod_token);
    j["rod_token_descriptors"].push_back(d);
  }
  return j;
}

scsi::Result<Json> describe_report_all_rod_tokens(std::span<const std::uint8_t> bytes) {
  auto r = scsi::decode_report_all_rod_tokens(bytes);
  if (!r) return std::move(r).error();
  Json j = titled("84h/08h REPORT ALL ROD TOKENS");
  j["rod_management_tokens"] = Json::array();
  for (const auto& t : r->rod_management_tokens) {
    j["rod_management_tokens"].push_back(base::to_hex(t));
  }
  return j;
}

}  // namespace xg::cli
