#include <algorithm>
#include <optional>
#include <string>

#include "base/hex.h"
#include "gateway/cli/describe.h"

namespace xg::cli {

namespace {

// scsi::decode_sense (and scsi::describe, which decodes forwarded sense again) reads a
// fixed-format forwarded area up to the next area's offset even when that offset (CSI byte
// 0 or 1) lies past the sense data: an out-of-bounds read, reported to the lead
// (scsi/sense.cc is not ours). Finds such an offset here or in any nested forwarded sense;
// returns its byte (in `bytes` for the outer level) or nullopt when decoding is safe.
std::optional<std::size_t> unsafe_forwarded_offset(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 10 || ((bytes[0] & 0x7F) != 0x70 && (bytes[0] & 0x7F) != 0x71) ||
      (bytes[2] & 0x0F) != 0x0A) {
    if (bytes.size() < 8) return std::nullopt;
  } else {
    const std::size_t total = 8 + std::size_t{bytes[7]};
    if (total >= 10 && total <= bytes.size()) {
      // Short fixed sense (fewer than 18 bytes) is decoded as if padded to 18 bytes.
      const std::size_t limit = std::max<std::size_t>(total, 18);
      for (std::size_t at : {std::size_t{8}, std::size_t{9}}) {
        if (bytes[at] > limit) return at;
      }
    }
  }
  auto decoded = scsi::decode_sense(bytes);
  if (!decoded) return std::nullopt;
  for (const auto& fwd : decoded->forwarded) {
    // A nested problem is reported at the outer CSI byte that leads to it.
    if (unsafe_forwarded_offset(fwd.sense)) {
      return fwd.source == scsi::ForwardedSense::Source::kCopySource ? 8 : 9;
    }
  }
  return std::nullopt;
}

}  // namespace

base::Result<scsi::Sense, SenseRefusal> decode_sense_checked(std::span<const std::uint8_t> bytes) {
  if (auto at = unsafe_forwarded_offset(bytes)) {
    return SenseRefusal{scsi::Sense::invalid_field_in_param_list(scsi::FieldRef::param(*at))
                            .because("a forwarded sense area offset lies past the sense data")};
  }
  auto decoded = scsi::decode_sense(bytes);
  if (!decoded) {
    // Sense that ends early is a length problem (1A/00); the pointer would be past the end.
    if (decoded.error().offset >= bytes.size()) {
      return SenseRefusal{scsi::Sense::param_list_length_error().because(decoded.error().why)};
    }
    return SenseRefusal{
        scsi::Sense::invalid_field_in_param_list(scsi::FieldRef::param(decoded.error().offset))
            .because(decoded.error().why)};
  }
  return std::move(decoded).value();
}

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
    if (auto inner = decode_sense_checked(fwd.sense)) {
      f["sense"] = describe_sense(*inner);
    } else {
      f["sense_bytes"] = base::to_hex(fwd.sense);
    }
    j["forwarded"].push_back(f);
  }
  return j;
}

scsi::Result<Json> describe_sense_bytes(std::span<const std::uint8_t> bytes) {
  auto decoded = decode_sense_checked(bytes);
  if (!decoded) return decoded.error().sense;
  Json j;
  j["format"] = (bytes[0] & 0x7F) >= 0x72 ? "descriptor" : "fixed";
  j["sense"] = describe_sense(*decoded);
  j["summary"] = scsi::describe(*decoded);
  return j;
}

}  // namespace xg::cli
