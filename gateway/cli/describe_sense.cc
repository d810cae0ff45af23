#include "base/hex.h"
#include "gateway/cli/describe.h"

namespace xg::cli {

Json describe_sense(const scsi::Sense& s) {
  Json j;
  j["sense_key"] = std::string(scsi::sense_key_name(s.key));
  j["asc"] = hex_code(s.asc);
  j["ascq"] = hex_code(s.ascq);
  if (auto name = scsi::asc_name(s.asc, s.ascq); !name.empty()) j["meaning"] = std::string(name);
  if (s.deferred) j["deferred"] = true;
  if (s.information) j["information"] = *s.information;
  if (s.copy_segment) j["segment_number"] = *s.copy_segment;
  if (s.command_specific) j["command_specific_information"] = *s.command_specific;
  if (s.field) {
    Json f;
    switch (s.field->base) {
      case scsi::FieldRef::Base::kCdb: f["in"] = "CDB"; break;
      case scsi::FieldRef::Base::kParameterList: f["in"] = "parameter list"; break;
      case scsi::FieldRef::Base::kSegmentDescriptor: f["in"] = "segment descriptor"; break;
    }
    f["byte"] = s.field->byte;
    if (s.field->bit) f["bit"] = *s.field->bit;
    j[s.key == scsi::SenseKey::kCopyAborted ? "segment_pointer" : "field_pointer"] = f;
  }
  if (s.progress) j["progress"] = *s.progress;
  for (const auto& fwd : s.forwarded) {
    Json f;
    f["source"] = fwd.source == scsi::ForwardedSense::Source::kCopySource ? "copy source"
                                                                         : "copy destination";
    f["status"] = hex_code(fwd.status);
    if (auto inner = scsi::decode_sense(fwd.sense)) {
      f["sense"] = describe_sense(*inner);
    } else {
      f["sense_bytes"] = base::to_hex(fwd.sense);
    }
    j["forwarded"].push_back(f);
  }
  return j;
}

scsi::Result<Json> describe_sense_bytes(std::span<const std::uint8_t> bytes) {
  auto decoded = scsi::decode_sense(bytes);
  if (!decoded) {
    return scsi::Sense::invalid_field_in_param_list(scsi::FieldRef::param(decoded.error().offset))
        .because(decoded.error().why);
  }
  Json j;
  j["format"] = (bytes[0] & 0x7F) >= 0x72 ? "descriptor" : "fixed";
  j["sense"] = describe_sense(*decoded);
  j["summary"] = scsi::describe(*decoded);
  return j;
}

}  // namespace xg::cli
