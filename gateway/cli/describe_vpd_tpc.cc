// Third-party Copy VPD page 8Fh (SPC-4 r37 7.8.17; SBC-4 for 0000h and the block ROD
// features descriptor), decoded with scsi::decode_third_party_copy. Every descriptor is
// named by its THIRD-PARTY COPY DESCRIPTOR TYPE and every field by its SPC-4 name. The
// model keeps one slot per known type, so descriptors are listed in ascending type order
// (the order SPC-4 requires a target to send them in).
#include <algorithm>
#include <string>
#include <utility>

#include "base/hex.h"
#include "gateway/cli/describe.h"
#include "scsi/cscd.h"
#include "scsi/segment.h"
#include "scsi/third_party_copy_cdb.h"
#include "scsi/vpd.h"
#include "scsi/vpd_third_party_copy.h"

namespace xg::cli {
namespace {

// SPC-4 table 107 (THIRD-PARTY COPY OUT, 83h) and table 108 (THIRD-PARTY COPY IN, 84h).
struct OperationRow {
  std::uint8_t operation_code;
  std::uint8_t service_action;
  std::string_view name;
};
constexpr OperationRow kOperations[] = {
    {0x83, 0x00, "EXTENDED COPY(LID1)"},
    {0x83, 0x01, "EXTENDED COPY(LID4)"},
    {0x83, 0x10, "POPULATE TOKEN"},
    {0x83, 0x11, "WRITE USING TOKEN"},
    {0x83, 0x1C, "COPY OPERATION ABORT"},
    {0x84, 0x00, "RECEIVE COPY STATUS(LID1)"},
    {0x84, 0x01, "RECEIVE COPY DATA(LID1)"},
    {0x84, 0x03, "RECEIVE COPY OPERATING PARAMETERS"},
    {0x84, 0x04, "RECEIVE COPY FAILURE DETAILS(LID1)"},
    {0x84, 0x05, "RECEIVE COPY STATUS(LID4)"},
    {0x84, 0x06, "RECEIVE COPY DATA(LID4)"},
    {0x84, 0x07, "RECEIVE ROD TOKEN INFORMATION"},
    {0x84, 0x08, "REPORT ALL ROD TOKENS"},
};

// SPC-4 7.8.17.1, "Third-party copy descriptor types".
struct TpcTypeRow {
  std::uint16_t type;
  std::string_view name;
};
constexpr TpcTypeRow kTpcTypes[] = {
    {scsi::kTpcBlockDeviceRodTokenLimits, "Block Device ROD Token Limits"},
    {scsi::kTpcSupportedCommands, "Supported Commands"},
    {scsi::kTpcParameterData, "Parameter Data"},
    {scsi::kTpcSupportedDescriptors, "Supported Descriptors"},
    {scsi::kTpcSupportedCscdDescriptorIds, "Supported CSCD Descriptor IDs"},
    {0x000D, "ROD Token Features (old)"},
    {scsi::kTpcRodTokenFeatures, "ROD Token Features"},
    {scsi::kTpcSupportedRodTokenAndRodTypes, "Supported ROD Token and ROD Types"},
    {scsi::kTpcGeneralCopyOperations, "General Copy Operations"},
    {scsi::kTpcStreamCopyOperations, "Stream Copy Operations"},
    {scsi::kTpcHeldData, "Held Data"},
};

// SPC-4 5.17.6.2, "ROD type" (plus SBC-4's block device zero ROD).
struct RodTypeRow {
  std::uint32_t type;
  std::string_view name;
};
constexpr RodTypeRow kRodTypes[] = {
    {0x0000'0000, "copy manager internal"},
    {scsi::kRodTypeAccessUponReference, "access upon reference"},
    {0x0080'0000, "point in time copy - default"},
    {0x0080'0001, "point in time copy - change vulnerable"},
    {0x0080'0002, "point in time copy - persistent"},
    {0x0080'FFFF, "point in time copy - any"},
    {scsi::kRodTypeBlockDeviceZero, "block device zero ROD"},
};

std::string tpc_type_text(std::uint16_t type) {
  for (const auto& row : kTpcTypes) {
    if (row.type == type) return hex_code(type, 4) + " " + std::string(row.name);
  }
  return hex_code(type, 4) + " (not decoded)";
}

std::string rod_type_text(std::uint32_t type) {
  for (const auto& row : kRodTypes) {
    if (row.type == type) return hex_code(type, 8) + " " + std::string(row.name);
  }
  return hex_code(type, 8);
}

// 64-bit ROD sizes: 0 = not reported, all FFh = no limit (SBC-4 block ROD features).
Json rod_size(std::uint64_t v) {
  if (v == ~std::uint64_t{0}) return "FFFFFFFFFFFFFFFFh no limit";
  return v;
}

Json head(std::uint16_t type) {
  Json j;
  j["descriptor_type"] = tpc_type_text(type);
  return j;
}

Json describe_rod_limits(const scsi::BlockDeviceRodTokenLimits& l) {
  Json j = head(scsi::kTpcBlockDeviceRodTokenLimits);
  j["maximum_range_descriptors"] = l.maximum_range_descriptors;
  j["maximum_inactivity_timeout"] = l.maximum_inactivity_timeout;
  j["default_inactivity_timeout"] = l.default_inactivity_timeout;
  j["maximum_token_transfer_size"] = l.maximum_token_transfer_size;
  j["optimal_transfer_count"] = l.optimal_transfer_count;
  return j;
}

Json describe_commands(const std::vector<scsi::SupportedCommand>& commands) {
  Json j = head(scsi::kTpcSupportedCommands);
  j["commands"] = Json::array();
  for (const auto& c : commands) {
    Json cmd;
    cmd["operation_code"] = hex_code(c.operation_code) +
                            (c.operation_code == scsi::kThirdPartyCopyOut  ? " THIRD-PARTY COPY OUT"
                             : c.operation_code == scsi::kThirdPartyCopyIn ? " THIRD-PARTY COPY IN"
                                                                           : "");
    cmd["service_actions"] = Json::array();
    for (std::uint8_t sa : c.service_actions) {
      cmd["service_actions"].push_back(operation_name(c.operation_code, sa));
    }
    j["commands"].push_back(cmd);
  }
  return j;
}

Json describe_parameter_data(const scsi::ParameterData& p) {
  Json j = head(scsi::kTpcParameterData);
  j["maximum_cscd_descriptor_count"] = p.maximum_cscd_descriptor_count;
  j["maximum_segment_descriptor_count"] = p.maximum_segment_descriptor_count;
  j["maximum_descriptor_list_length"] = p.maximum_descriptor_list_length;
  j["maximum_inline_data_length"] = p.maximum_inline_data_length;
  return j;
}

Json describe_supported_descriptors(const std::vector<std::uint8_t>& codes) {
  Json j = head(scsi::kTpcSupportedDescriptors);
  j["descriptor_type_codes"] = Json::array();
  for (std::uint8_t c : codes) j["descriptor_type_codes"].push_back(descriptor_type_code_text(c));
  return j;
}

Json describe_cscd_ids(const std::vector<std::uint16_t>& ids) {
  Json j = head(scsi::kTpcSupportedCscdDescriptorIds);
  j["cscd_descriptor_ids"] = Json::array();
  for (std::uint16_t id : ids) j["cscd_descriptor_ids"].push_back(cscd_id_text(id));
  return j;
}

Json describe_rod_features(const scsi::RodTokenFeatures& f) {
  Json j = head(scsi::kTpcRodTokenFeatures);
  j["remote_tokens"] = hex_code(f.remote_tokens, 1);
  j["minimum_token_lifetime"] = f.minimum_token_lifetime;
  j["maximum_token_lifetime"] = f.maximum_token_lifetime;
  j["maximum_token_inactivity_timeout"] = f.maximum_token_inactivity_timeout;
  j["rod_device_type_specific_features_descriptors"] = Json::array();
  if (f.block) {
    Json b;
    b["peripheral_device_type"] = "00h direct access block device";
    b["optimal_block_rod_length_granularity"] = f.block->optimal_block_rod_length_granularity;
    b["maximum_bytes_in_block_rod"] = rod_size(f.block->maximum_bytes_in_block_rod);
    b["optimal_bytes_in_block_rod_transfer"] =
        rod_size(f.block->optimal_bytes_in_block_rod_transfer);
    b["optimal_bytes_to_token_per_segment"] =
        rod_size(f.block->optimal_bytes_to_token_per_segment);
    b["optimal_bytes_from_token_per_segment"] =
        rod_size(f.block->optimal_bytes_from_token_per_segment);
    j["rod_device_type_specific_features_descriptors"].push_back(b);
  }
  for (const auto& other : f.other_device_type_features) {
    j["rod_device_type_specific_features_descriptors"].push_back(
        {{"peripheral_device_type", hex_code(other.empty() ? 0 : other[0] & 0x1Fu)},
         {"bytes", base::to_hex(other)}});
  }
  return j;
}

Json describe_rod_types(const std::vector<scsi::RodTypeDescriptor>& types) {
  Json j = head(scsi::kTpcSupportedRodTokenAndRodTypes);
  j["rod_type_descriptors"] = Json::array();
  for (const auto& t : types) {
    j["rod_type_descriptors"].push_back({{"rod_type", rod_type_text(t.rod_type)},
                                         {"ecpy_int", t.ecpy_int},
                                         {"token_in", t.token_in},
                                         {"token_out", t.token_out},
                                         {"preference_indicator", t.preference_indicator}});
  }
  return j;
}

Json describe_general(const scsi::GeneralCopyOperations& g) {
  Json j = head(scsi::kTpcGeneralCopyOperations);
  j["total_concurrent_copies"] = g.total_concurrent_copies;
  j["maximum_identified_concurrent_copies"] = g.maximum_identified_concurrent_copies;
  j["maximum_segment_length"] = g.maximum_segment_length;
  j["data_segment_granularity"] = g.data_segment_granularity;
  j["inline_data_granularity"] = g.inline_data_granularity;
  return j;
}

}  // namespace

std::string descriptor_type_code_text(std::uint8_t code) {
  // Segment descriptor type codes are 00h-DFh, CSCD descriptor type codes E0h-FFh.
  const std::string_view name =
      code >= 0xE0 ? scsi::cscd_type_name(code) : scsi::segment_type_name(code);
  return hex_code(code) + " " + std::string(name);
}

std::string operation_name(std::uint8_t operation_code, std::uint8_t service_action) {
  for (const auto& row : kOperations) {
    if (row.operation_code == operation_code && row.service_action == service_action) {
      return hex_code(service_action) + " " + std::string(row.name);
    }
  }
  return hex_code(service_action) + " (unknown service action)";
}

scsi::Result<Json> describe_third_party_copy_page(std::span<const std::uint8_t> bytes) {
  auto page = scsi::decode_third_party_copy(bytes);
  if (!page) return std::move(page).error();
  const auto& p = *page;
  // (type, description) pairs, sorted at the end so unknown types sit where SPC-4 puts them.
  std::vector<std::pair<std::uint16_t, Json>> list;
  if (p.block_device_rod_token_limits) {
    list.emplace_back(scsi::kTpcBlockDeviceRodTokenLimits,
                      describe_rod_limits(*p.block_device_rod_token_limits));
  }
  if (p.supported_commands) {
    list.emplace_back(scsi::kTpcSupportedCommands, describe_commands(*p.supported_commands));
  }
  if (p.parameter_data) {
    list.emplace_back(scsi::kTpcParameterData, describe_parameter_data(*p.parameter_data));
  }
  if (p.supported_descriptors) {
    list.emplace_back(scsi::kTpcSupportedDescriptors,
                      describe_supported_descriptors(*p.supported_descriptors));
  }
  if (p.supported_cscd_descriptor_ids) {
    list.emplace_back(scsi::kTpcSupportedCscdDescriptorIds,
                      describe_cscd_ids(*p.supported_cscd_descriptor_ids));
  }
  if (p.rod_token_features) {
    list.emplace_back(scsi::kTpcRodTokenFeatures, describe_rod_features(*p.rod_token_features));
  }
  if (p.supported_rod_types) {
    list.emplace_back(scsi::kTpcSupportedRodTokenAndRodTypes,
                      describe_rod_types(*p.supported_rod_types));
  }
  if (p.general_copy_operations) {
    list.emplace_back(scsi::kTpcGeneralCopyOperations,
                      describe_general(*p.general_copy_operations));
  }
  if (p.stream_copy_operations) {
    Json s = head(scsi::kTpcStreamCopyOperations);
    s["maximum_stream_device_transfer_size"] =
        p.stream_copy_operations->maximum_stream_device_transfer_size;
    list.emplace_back(scsi::kTpcStreamCopyOperations, std::move(s));
  }
  if (p.held_data) {
    Json h = head(scsi::kTpcHeldData);
    h["held_data_limit"] = p.held_data->held_data_limit;
    h["held_data_granularity"] = p.held_data->held_data_granularity;
    list.emplace_back(scsi::kTpcHeldData, std::move(h));
  }
  for (const auto& o : p.other) {
    Json d = head(o.type);
    d["bytes"] = base::to_hex(o.body);
    list.emplace_back(o.type, std::move(d));
  }
  std::stable_sort(list.begin(), list.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });

  Json j;
  j["page"] = hex_code(scsi::kVpdThirdPartyCopy) + " Third-party Copy";
  j.update(describe_peripheral_byte(p.peripheral));
  j["third_party_copy_descriptors"] = Json::array();
  for (auto& item : list) j["third_party_copy_descriptors"].push_back(std::move(item.second));
  return j;
}

}  // namespace xg::cli
