// EXTENDED COPY parameter lists as xgate's copy manager sees them: decoded and validated
// with the limits xgate advertises (scsi::CopyManagerLimits defaults), so a refusal here
// is the refusal an initiator would get.
#include <string>
#include <variant>

#include "base/hex.h"
#include "gateway/cli/describe.h"
#include "scsi/xcopy_params.h"

namespace xg::cli {

std::string cscd_id_text(std::uint16_t id) {
  // SPC-4 table 146.
  if (id <= 0x07FF) return "CSCD " + std::to_string(id);
  if (id == 0xC000) return "C000h (null LU, block)";
  if (id == 0xC001) return "C001h (null LU, stream)";
  if (id == 0xF800) return "F800h (LU in a ROD token)";
  if (id == 0xFFFF) return "FFFFh (this LU)";
  return hex_code(id, 4) + " (reserved)";
}

namespace {

Json describe_cscd(const scsi::CscdDescriptor& c) {
  Json j;
  j["at_byte"] = c.offset;
  j["type"] = hex_code(c.descriptor_type_code()) + " " +
              std::string(scsi::cscd_type_name(c.descriptor_type_code()));
  j["lu_id_type"] = c.lu_id_type;
  if (c.nul) j["nul"] = true;
  j["peripheral_device_type"] = hex_code(c.peripheral_device_type);
  j["relative_initiator_port_identifier"] = c.relative_initiator_port_identifier;
  if (const auto* id = std::get_if<scsi::IdentificationCscd>(&c.body)) {
    j["designator"] = describe_designator(id->designator);
  } else if (const auto* rod = std::get_if<scsi::RodCscd>(&c.body)) {
    j["rod_producer_cscd_descriptor_id"] = rod->rod_producer_cscd_descriptor_id;
    j["rod_type"] = hex_code(rod->rod_type, 8);
    j["requested_rod_token_lifetime"] = rod->requested_rod_token_lifetime;
    j["requested_rod_token_inactivity_timeout"] = rod->requested_rod_token_inactivity_timeout;
    j["rod_token_offset"] = rod->rod_token_offset;
  }
  j["pad"] = c.device_parameters.pad;
  j["disk_block_length"] = c.device_parameters.disk_block_length;
  return j;
}

void describe_segment_body(const decltype(scsi::SegmentDescriptor::body)& body, Json& j) {
  if (const auto* b = std::get_if<scsi::BlockToBlock>(&body)) {
    j["number_of_blocks"] = b->block_device_number_of_blocks;
    j["source_lba"] = b->source_block_device_logical_block_address;
    j["destination_lba"] = b->destination_block_device_logical_block_address;
  } else if (const auto* o = std::get_if<scsi::BlockToBlockWithOffset>(&body)) {
    j["number_of_bytes"] = o->number_of_bytes;
    j["source_lba"] = o->source_block_device_logical_block_address;
    j["destination_lba"] = o->destination_block_device_logical_block_address;
    j["source_byte_offset"] = o->source_byte_offset;
    j["destination_byte_offset"] = o->destination_byte_offset;
  } else if (const auto* i = std::get_if<scsi::BlockImageCopy>(&body)) {
    j["source_lba"] = i->source_logical_block_address;
    j["destination_lba"] = i->destination_logical_block_address;
    j["number_of_logical_blocks"] = i->number_of_logical_blocks;
  } else if (const auto* one = std::get_if<scsi::PopulateRodFromOneRange>(&body)) {
    j["lba"] = one->logical_block_address;
    j["number_of_logical_blocks"] = one->number_of_logical_blocks;
  } else if (const auto* many = std::get_if<scsi::PopulateRodFromRanges>(&body)) {
    for (const auto& r : many->ranges) {
      j["ranges"].push_back({{"lba", r.logical_block_address},
                             {"number_of_logical_blocks", r.number_of_logical_blocks}});
    }
  }
}

Json describe_segment(const scsi::SegmentDescriptor& s) {
  Json j;
  j["segment"] = s.index;
  j["at_byte"] = s.offset;
  j["type"] = hex_code(s.descriptor_type_code()) + " " +
              std::string(scsi::segment_type_name(s.descriptor_type_code()));
  j["source"] = cscd_id_text(s.source_cscd_descriptor_id);
  j["destination"] = cscd_id_text(s.destination_cscd_descriptor_id);
  if (s.dc) j["dc"] = true;
  if (s.cat) j["cat"] = true;
  if (s.fco) j["fco"] = true;
  describe_segment_body(s.body, j);
  return j;
}

std::string_view usage_name(scsi::ListIdUsage usage) {
  switch (usage) {
    case scsi::ListIdUsage::kHold: return "00b hold status for RECEIVE COPY RESULTS";
    case scsi::ListIdUsage::kReserved: return "01b reserved";
    case scsi::ListIdUsage::kDiscard: return "10b status may be discarded";
    case scsi::ListIdUsage::kNoListId: return "11b no list identifier";
  }
  return "";
}

scsi::Result<Json> describe_xcopy(std::span<const std::uint8_t> bytes, scsi::ListIdFormat f) {
  auto list = scsi::decode_extended_copy(bytes, f, scsi::CopyManagerLimits{});
  if (!list) return std::move(list).error();
  Json j;
  j["command"] = f == scsi::ListIdFormat::kLid1 ? "EXTENDED COPY(LID1) 83h/00h"
                                                : "EXTENDED COPY(LID4) 83h/01h";
  j["list_identifier"] = list->list_identifier;
  j["list_id_usage"] = std::string(usage_name(list->list_id_usage));
  j["priority"] = list->priority;
  if (list->str) j["str"] = true;
  if (f == scsi::ListIdFormat::kLid4) {
    j["immed"] = list->immed;
    j["g_sense"] = list->g_sense;
  }
  for (const auto& c : list->cscds) j["cscd_descriptors"].push_back(describe_cscd(c));
  for (const auto& s : list->segments) j["segment_descriptors"].push_back(describe_segment(s));
  if (!list->inline_data.empty()) j["inline_data"] = base::to_hex(list->inline_data);
  return j;
}

}  // namespace

scsi::Result<Json> describe_xcopy_lid1(std::span<const std::uint8_t> bytes) {
  return describe_xcopy(bytes, scsi::ListIdFormat::kLid1);
}

scsi::Result<Json> describe_xcopy_lid4(std::span<const std::uint8_t> bytes) {
  return describe_xcopy(bytes, scsi::ListIdFormat::kLid4);
}

}  // namespace xg::cli
