// ODX token copy structures and the third-party copy CDBs: 83h/84h CDBs (SPC-4 r37 6.3-6.26,
// SBC-4 5.12.1, 5.59.1), POPULATE TOKEN and WRITE USING TOKEN parameter lists (SBC-4 5.12.2,
// 5.59.2) and the 512-byte ROD token (SPC-4 5.17.6.1). Validation uses the limits xgate
// advertises (scsi::RodTokenLimits defaults) so a refusal is the one an initiator gets.
#include <string>

#include "base/hex.h"
#include "gateway/cli/describe.h"
#include "scsi/populate_token.h"
#include "scsi/range_descriptor.h"
#include "scsi/rod_token.h"
#include "scsi/third_party_copy_cdb.h"
#include "scsi/write_using_token.h"

namespace xg::cli {
namespace {

// ROD types xgate creates on request: the ODX profile's 0108h descriptor with TOKEN_OUT=1
// (SPC-4 7.8.17, ROD types created in the 0108h descriptor) lists access upon reference
// only.
constexpr std::uint32_t kCreatedRodTypes[] = {scsi::kRodTypeAccessUponReference};

std::string rod_type_text(std::uint32_t type) {
  return hex_code(type, 8) + " " + std::string(scsi::rod_type_name(type));
}

Json describe_ranges(const std::vector<scsi::BlockDeviceRangeDescriptor>& ranges) {
  Json list = Json::array();
  for (const auto& r : ranges) {
    list.push_back({{"logical_block_address", r.logical_block_address},
                    {"number_of_logical_blocks", r.number_of_logical_blocks}});
  }
  return list;
}

std::string bytes_represented_text(std::uint64_t high, std::uint64_t low) {
  if (high == ~std::uint64_t{0} && low == ~std::uint64_t{0}) return "all FFh: unknown";
  if (high == 0) return std::to_string(low);
  return hex_code(high, 16).substr(0, 16) + hex_code(low, 16) + " (128 bits)";
}

bool all_zero(std::span<const std::uint8_t> bytes) {
  for (std::uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

Json describe_rod_token_fields(const scsi::RodToken& t) {
  Json j;
  j["rod_type"] = rod_type_text(t.rod_type);
  if (scsi::rod_token_is_zero_token(t)) j["block_device_zero_rod_token"] = true;
  j["rod_token_length"] = hex_code(scsi::kRodTokenLength, 4);
  j["copy_manager_rod_token_identifier"] = hex_code(t.copy_manager_rod_token_identifier, 16);
  if (const auto& c = t.creator_logical_unit_descriptor) {
    j["creator_logical_unit_descriptor"] = {
        {"peripheral_device_type", hex_code(c->peripheral_device_type)},
        {"designator", describe_designator(c->designator)},
        {"pad", c->device_parameters.pad},
        {"disk_block_length", c->device_parameters.disk_block_length}};
  } else {
    j["creator_logical_unit_descriptor"] = "none (all zero)";
  }
  j["number_of_bytes_represented"] =
      bytes_represented_text(t.number_of_bytes_represented_high, t.number_of_bytes_represented_low);
  if (!all_zero(t.rod_type_specific)) j["rod_type_specific"] = base::to_hex(t.rod_type_specific);
  const auto& d = t.device_type_specific;
  j["device_type_specific"] = {
      {"logical_block_length", d.logical_block_length},
      {"p_type", d.p_type},
      {"prot_en", d.prot_en},
      {"p_i_exponent", d.p_i_exponent},
      {"logical_blocks_per_physical_block_exponent", d.logical_blocks_per_physical_block_exponent},
      {"lbpme", d.lbpme},
      {"lbprz", d.lbprz},
      {"lowest_aligned_logical_block_address", d.lowest_aligned_logical_block_address}};
  if (t.target_device_descriptor) {
    j["target_device_descriptor"] = describe_designator(*t.target_device_descriptor);
  } else {
    j["target_device_descriptor"] = "none (all zero)";
  }
  j["extended_rod_token_data"] = all_zero(t.extended_rod_token_data)
                                     ? Json("all zero")
                                     : Json(base::to_hex(t.extended_rod_token_data));
  return j;
}

}  // namespace

Json describe_embedded_rod_token(std::span<const std::uint8_t> token) {
  if (auto t = scsi::decode_rod_token(token)) return describe_rod_token_fields(*t);
  return base::to_hex(token);
}

scsi::Result<Json> describe_third_party_copy_cdb(std::span<const std::uint8_t> bytes) {
  auto cdb = scsi::decode_third_party_copy_cdb(bytes);
  if (!cdb) return std::move(cdb).error();
  const bool out = cdb->operation_code == scsi::kThirdPartyCopyOut;
  Json j;
  j["operation_code"] = hex_code(cdb->operation_code) +
                        (out ? " THIRD-PARTY COPY OUT" : " THIRD-PARTY COPY IN");
  j["service_action"] =
      hex_code(cdb->service_action) + " " +
      std::string(scsi::service_action_name(cdb->operation_code, cdb->service_action));
  if (cdb->list_identifier) j["list_identifier"] = *cdb->list_identifier;
  if (out) {
    if (cdb->service_action != scsi::kSaCopyOperationAbort) {
      j["parameter_list_length"] = cdb->parameter_list_length;
    }
  } else {
    j["allocation_length"] = cdb->allocation_length;
  }
  if (out && (cdb->service_action == scsi::kSaPopulateToken ||
              cdb->service_action == scsi::kSaWriteUsingToken)) {
    j["group_number"] = cdb->group_number;
  }
  j["control"] = hex_code(cdb->control);
  return j;
}

scsi::Result<Json> describe_populate_token(std::span<const std::uint8_t> bytes) {
  auto p = scsi::decode_populate_token(bytes, scsi::RodTokenLimits{}, kCreatedRodTypes);
  if (!p) return std::move(p).error();
  Json j;
  j["command"] = "POPULATE TOKEN 83h/10h parameter list";
  j["rtv"] = p->rtv;
  j["immed"] = p->immed;
  j["inactivity_timeout"] = p->inactivity_timeout == 0
                                ? Json("0 (the DEFAULT INACTIVITY TIMEOUT)")
                                : Json(p->inactivity_timeout);
  j["rod_type"] = p->rtv ? Json(rod_type_text(p->rod_type))
                         : Json(hex_code(p->rod_type, 8) + " (ignored: RTV=0)");
  j["block_device_range_descriptors"] = describe_ranges(p->ranges);
  j["total_logical_blocks"] = scsi::total_logical_blocks(p->ranges);
  return j;
}

scsi::Result<Json> describe_write_using_token(std::span<const std::uint8_t> bytes) {
  auto p = scsi::decode_write_using_token(bytes, scsi::RodTokenLimits{});
  if (!p) return std::move(p).error();
  Json j;
  j["command"] = "WRITE USING TOKEN 83h/11h parameter list";
  j["del_tkn"] = p->del_tkn;
  j["immed"] = p->immed;
  j["offset_into_rod"] = p->offset_into_rod;
  j["rod_token"] = describe_rod_token_fields(p->rod_token);
  j["block_device_range_descriptors"] = describe_ranges(p->ranges);
  j["total_logical_blocks"] = scsi::total_logical_blocks(p->ranges);
  return j;
}

scsi::Result<Json> describe_rod_token(std::span<const std::uint8_t> bytes) {
  auto t = scsi::decode_rod_token(bytes);
  if (!t) return std::move(t).error();
  return describe_rod_token_fields(*t);
}

}  // namespace xg::cli
