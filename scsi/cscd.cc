#include "scsi/cscd.h"

#include <algorithm>
#include <array>
#include <cassert>

#include "base/bits.h"

namespace xg::scsi {
namespace {

struct CscdTypeRow {
  std::uint8_t code;
  std::string_view name;
};

// SPC-4 r37 table 125 (CSCD descriptor type codes).
constexpr std::array<CscdTypeRow, 14> kCscdTypes{{
    {0xE0, "Fibre Channel N_Port_Name"},
    {0xE1, "Fibre Channel N_Port_ID"},
    {0xE2, "Fibre Channel N_Port_ID with N_Port_Name checking"},
    {0xE3, "Parallel Interface T_L"},
    {0xE4, "Identification descriptor"},
    {0xE5, "IPv4"},
    {0xE6, "Alias"},
    {0xE7, "RDMA"},
    {0xE8, "IEEE 1394 EUI-64"},
    {0xE9, "SAS Serial SCSI Protocol"},
    {0xEA, "IPv6"},
    {0xEB, "IP copy service"},
    {0xFE, "ROD"},
    {0xFF, "LID4 header / extension"},
}};

constexpr std::size_t kDesignatorAreaLength = 24;  // bytes 4-27 of an E4h descriptor

// The alternative `Alt` of `body`, constructed only if another one is held (a default
// CscdDescriptor already holds an IdentificationCscd; re-emplacing it would rebuild it).
template <class Alt, class Variant>
Alt& hold(Variant& body) {
  if (auto* alt = std::get_if<Alt>(&body)) return *alt;
  return body.template emplace<Alt>();
}

bool implemented(const CopyManagerLimits& limits, std::uint8_t type_code) {
  const auto& types = limits.implemented_descriptor_types;
  return std::find(types.begin(), types.end(), type_code) != types.end();
}

// E4h bytes 4-27 (SPC-4 6.4.5.6, table 138), into the descriptor's own IdentificationCscd.
Result<void> decode_identification(base::ByteReader& r, IdentificationCscd& id) {
  auto area = r.take(kDesignatorAreaLength);
  if (!area) return Sense::param_list_length_error(FieldRef::param(r.offset()));
  const std::size_t at = area->offset();
  // Check DESIGNATOR LENGTH (byte 7) before decode_designator, which would call an
  // overlong designator a length error (1A/00); in a fixed 20-byte slot it is a field error.
  const std::uint8_t designator_length = area->peek_u8(3);
  if (designator_length > kMaxCscdDesignatorLength) {
    return Sense::invalid_field_in_param_list(FieldRef::param(at + 3))
        .because("E4h DESIGNATOR LENGTH above 20");
  }
  XG_TRY(decode_designator_into(*area, id.designator));
  if (id.designator.association != Association::kLogicalUnit) {
    return Sense::invalid_field_in_param_list(FieldRef::param(at + 1, 5))
        .because("E4h ASSOCIATION is not 00b (logical unit)");
  }
  // The zero padding after the designator (up to byte 27) is not checked: clients leave
  // whatever their buffer held there (SPC-4 does not require the copy manager to check).
  return {};
}

// FEh bytes 4-27 (SPC-4 6.4.5.9, table 150). Consistency with segments and inline data
// (SPC-4 tables 144/145) is checked when the ROD is produced, not here.
void decode_rod(base::ByteReader& r, RodCscd& rod) {
  rod.rod_producer_cscd_descriptor_id = r.be16();
  r.skip(2);
  rod.rod_type = r.be32();
  rod.requested_rod_token_lifetime = r.be32();
  rod.requested_rod_token_inactivity_timeout = r.be32();
  r.skip(2);
  rod.r_token = base::bit(r.u8(), 0);
  rod.del_tkn = base::bit(r.u8(), 0);
  rod.rod_token_offset = r.be32();
}

void encode_identification(const IdentificationCscd& id, base::ByteWriter& w) {
  assert(id.designator.value.size() <= kMaxCscdDesignatorLength);
  const std::size_t start = w.size();
  encode_designator(id.designator, w);
  w.zeros(kDesignatorAreaLength - (w.size() - start));
}

void encode_rod(const RodCscd& rod, base::ByteWriter& w) {
  w.be16(rod.rod_producer_cscd_descriptor_id);
  w.zeros(2);
  w.be32(rod.rod_type);
  w.be32(rod.requested_rod_token_lifetime);
  w.be32(rod.requested_rod_token_inactivity_timeout);
  w.zeros(2);
  w.u8(rod.r_token ? 0x01 : 0x00);
  w.u8(rod.del_tkn ? 0x01 : 0x00);
  w.be32(rod.rod_token_offset);
}

}  // namespace

std::string_view cscd_type_name(std::uint8_t type_code) {
  for (const auto& row : kCscdTypes) {
    if (row.code == type_code) return row.name;
  }
  if (type_code >= 0xEC && type_code <= 0xFD) return "reserved";
  return "not a CSCD descriptor type code";
}

std::size_t cscd_descriptor_length(std::uint8_t type_code) {
  return type_code == 0xEA || type_code == 0xEB ? kLongCscdDescriptorLength
                                                : kCscdDescriptorLength;
}

std::uint8_t CscdDescriptor::descriptor_type_code() const {
  return std::holds_alternative<IdentificationCscd>(body) ? kCscdTypeIdentification
                                                          : kCscdTypeRod;
}

Result<CscdDescriptor> decode_cscd(base::ByteReader& r, const CopyManagerLimits& limits) {
  CscdDescriptor cscd;
  XG_TRY(decode_cscd_into(r, limits, cscd));
  return cscd;
}

Result<void> decode_cscd_into(base::ByteReader& r, const CopyManagerLimits& limits,
                              CscdDescriptor& cscd) {
  cscd.offset = r.offset();
  const std::uint8_t type_code = r.u8();
  const bool decodable = type_code == kCscdTypeIdentification || type_code == kCscdTypeRod;
  if (!decodable || !implemented(limits, type_code)) {
    return Sense::unsupported_target_descriptor_type(FieldRef::param(cscd.offset))
        .because(std::string("CSCD type ") + std::string(cscd_type_name(type_code)) +
                 " not implemented");
  }
  const std::size_t at_byte1 = r.offset();
  const std::uint8_t byte1 = r.u8();
  cscd.lu_id_type = base::bits<7, 6>(byte1);
  cscd.nul = base::bit(byte1, 5);
  cscd.peripheral_device_type = base::bits<4, 0>(byte1);
  if (cscd.peripheral_device_type != 0x00) {
    // Every LU behind the gateway is a block device (SCST answers the same way).
    return Sense::invalid_field_in_param_list(FieldRef::param(at_byte1, 4))
        .because("CSCD PERIPHERAL DEVICE TYPE is not 00h (block)");
  }
  cscd.relative_initiator_port_identifier = r.be16();
  // Filled in place: the body is the descriptor's largest member, not worth a copy.
  if (type_code == kCscdTypeIdentification) {
    XG_TRY(decode_identification(r, hold<IdentificationCscd>(cscd.body)));
  } else {
    decode_rod(r, hold<RodCscd>(cscd.body));
  }
  const std::uint8_t byte28 = r.u8();
  cscd.device_parameters.pad = base::bit(byte28, 2);
  cscd.device_parameters.disk_block_length = r.be24();
  return {};
}

void encode_cscd(const CscdDescriptor& cscd, base::ByteWriter& w) {
  const std::size_t start = w.size();
  w.u8(cscd.descriptor_type_code());
  w.u8(static_cast<std::uint8_t>(((cscd.lu_id_type & 0x03) << 6) | (cscd.nul ? 0x20 : 0x00) |
                                 (cscd.peripheral_device_type & 0x1F)));
  w.be16(cscd.relative_initiator_port_identifier);
  if (const auto* id = std::get_if<IdentificationCscd>(&cscd.body)) {
    encode_identification(*id, w);
  } else {
    encode_rod(std::get<RodCscd>(cscd.body), w);
  }
  w.u8(cscd.device_parameters.pad ? 0x04 : 0x00);
  w.be24(cscd.device_parameters.disk_block_length & 0xFFFFFF);
  assert(w.size() - start == kCscdDescriptorLength);
  (void)start;
}

}  // namespace xg::scsi
