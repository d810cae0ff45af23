// Standard INQUIRY data (SPC-4 6.6.2) and the VPD pages of scsi/vpd.h (SPC-4 7.8, SBC-4
// 6.6), decoded with the project's own decoders. `vpd` dispatches on PAGE CODE (byte 1)
// through kVpdPages; 8Fh lives in describe_vpd_tpc.cc.
#include <string>

#include "base/hex.h"
#include "gateway/cli/describe.h"
#include "scsi/inquiry.h"
#include "scsi/vpd.h"
#include "scsi/vpd_third_party_copy.h"

namespace xg::cli {
namespace {

// PERIPHERAL DEVICE TYPE names (SPC-4 table 141, the types an iSCSI LU may report).
std::string device_type_name(std::uint8_t type) {
  static constexpr std::string_view kNames[] = {
      "direct access block device", "sequential access device", "printer", "processor",
      "write-once", "CD/DVD", "scanner (obsolete)", "optical memory",
      "medium changer", "communications (obsolete)", "obsolete", "obsolete",
      "storage array controller", "enclosure services", "simplified direct access",
      "optical card reader/writer", "bridge controller", "object-based storage",
      "automation/drive interface", "security manager", "host managed zoned block"};
  std::string out = hex_code(type);
  if (type < std::size(kNames)) out += " " + std::string(kNames[type]);
  if (type == 0x1E) out += " well known logical unit";
  if (type == 0x1F) out += " unknown or no device type";
  return out;
}

std::string qualifier_name(std::uint8_t q) {
  switch (q) {
    case 0: return "000b logical unit connected";
    case 1: return "001b logical unit not connected";
    case 3: return "011b no logical unit";
    default: return std::to_string(q) + " (reserved or vendor specific)";
  }
}

void describe_peripheral(const scsi::Peripheral& p, Json& j) {
  j["peripheral_qualifier"] = qualifier_name(p.qualifier);
  j["peripheral_device_type"] = device_type_name(p.device_type);
}

// VERSION DESCRIPTOR names (SPC-4 table 147, the ones xgate and its peers send).
std::string version_descriptor_name(std::uint16_t v) {
  struct Row {
    std::uint16_t code;
    std::string_view name;
  };
  static constexpr Row kRows[] = {
      {0x0060, "SAM-4"},       {0x00A0, "SAM-5"},      {0x0460, "SPC-4"},
      {0x05C0, "SPC-5"},       {0x04C0, "SBC-3"},      {0x0600, "SBC-4"},
      {0x0960, "iSCSI"},       {0x1EA0, "SAS-3 (SAS)"}, {0x2200, "SAT-3"}};
  for (const auto& r : kRows) {
    if (r.code == v) return hex_code(v, 4) + " " + std::string(r.name);
  }
  return hex_code(v, 4);
}

Json page_header(const scsi::Peripheral& p, std::uint8_t page_code, std::string_view name) {
  Json j;
  j["page"] = hex_code(page_code) + " " + std::string(name);
  describe_peripheral(p, j);
  return j;
}

scsi::Result<Json> describe_supported_pages(std::span<const std::uint8_t> bytes);

scsi::Result<Json> describe_serial_number(std::span<const std::uint8_t> bytes) {
  auto page = scsi::decode_unit_serial_number(bytes);
  if (!page) return std::move(page).error();
  Json j = page_header(page->peripheral, scsi::kVpdUnitSerialNumber, "Unit Serial Number");
  j["product_serial_number"] = printable_ascii(page->product_serial_number);
  return j;
}

scsi::Result<Json> describe_device_identification(std::span<const std::uint8_t> bytes) {
  auto page = scsi::decode_device_identification(bytes);
  if (!page) return std::move(page).error();
  Json j = page_header(page->peripheral, scsi::kVpdDeviceIdentification,
                       "Device Identification");
  j["designation_descriptors"] = Json::array();
  for (const auto& d : page->designators) {
    j["designation_descriptors"].push_back(describe_designator(d));
  }
  return j;
}

scsi::Result<Json> describe_block_limits(std::span<const std::uint8_t> bytes) {
  auto p = scsi::decode_block_limits(bytes);
  if (!p) return std::move(p).error();
  Json j = page_header(p->peripheral, scsi::kVpdBlockLimits, "Block Limits");
  j["wsnz"] = p->wsnz;
  j["maximum_compare_and_write_length"] = p->maximum_compare_and_write_length;
  j["optimal_transfer_length_granularity"] = p->optimal_transfer_length_granularity;
  j["maximum_transfer_length"] = p->maximum_transfer_length;
  j["optimal_transfer_length"] = p->optimal_transfer_length;
  j["maximum_prefetch_length"] = p->maximum_prefetch_length;
  j["maximum_unmap_lba_count"] = p->maximum_unmap_lba_count;
  j["maximum_unmap_block_descriptor_count"] = p->maximum_unmap_block_descriptor_count;
  j["optimal_unmap_granularity"] = p->optimal_unmap_granularity;
  j["ugavalid"] = p->ugavalid;
  j["unmap_granularity_alignment"] = p->unmap_granularity_alignment;
  j["maximum_write_same_length"] = p->maximum_write_same_length;
  j["maximum_atomic_transfer_length"] = p->maximum_atomic_transfer_length;
  j["atomic_alignment"] = p->atomic_alignment;
  j["atomic_transfer_length_granularity"] = p->atomic_transfer_length_granularity;
  j["maximum_atomic_transfer_length_with_atomic_boundary"] =
      p->maximum_atomic_transfer_length_with_atomic_boundary;
  j["maximum_atomic_boundary_size"] = p->maximum_atomic_boundary_size;
  return j;
}

std::string rotation_rate_text(std::uint16_t rate) {
  if (rate == scsi::kMediumRotationRateNotReported) return "0000h not reported";
  if (rate == scsi::kMediumRotationRateNonRotating) return "0001h non-rotating medium";
  return std::to_string(rate) + " rpm";
}

// NOMINAL FORM FACTOR (SBC-4 6.6, Block Device Characteristics VPD page).
std::string form_factor_text(std::uint8_t f) {
  static constexpr std::string_view kNames[] = {"not reported", "5.25 inch", "3.5 inch",
                                                "2.5 inch",     "1.8 inch",  "less than 1.8 inch"};
  return hex_code(f, 1) + " " + std::string(f < std::size(kNames) ? kNames[f] : "reserved");
}

scsi::Result<Json> describe_block_device_characteristics(std::span<const std::uint8_t> bytes) {
  auto p = scsi::decode_block_device_characteristics(bytes);
  if (!p) return std::move(p).error();
  Json j = page_header(p->peripheral, scsi::kVpdBlockDeviceCharacteristics,
                       "Block Device Characteristics");
  j["medium_rotation_rate"] = rotation_rate_text(p->medium_rotation_rate);
  j["product_type"] = hex_code(p->product_type);
  j["wabereq"] = p->wabereq;
  j["wacereq"] = p->wacereq;
  j["nominal_form_factor"] = form_factor_text(p->nominal_form_factor);
  j["zoned"] = p->zoned;
  j["fuab"] = p->fuab;
  j["vbuls"] = p->vbuls;
  return j;
}

std::string provisioning_type_name(std::uint8_t type) {
  switch (type) {
    case scsi::kProvisioningFull: return "0h fully provisioned";
    case scsi::kProvisioningResource: return "1h resource provisioned";
    case scsi::kProvisioningThin: return "2h thin provisioned";
    default: return hex_code(type, 1) + " reserved";
  }
}

scsi::Result<Json> describe_logical_block_provisioning(std::span<const std::uint8_t> bytes) {
  auto p = scsi::decode_logical_block_provisioning(bytes);
  if (!p) return std::move(p).error();
  Json j = page_header(p->peripheral, scsi::kVpdLogicalBlockProvisioning,
                       "Logical Block Provisioning");
  j["threshold_exponent"] = p->threshold_exponent;
  j["lbpu"] = p->lbpu;
  j["lbpws"] = p->lbpws;
  j["lbpws10"] = p->lbpws10;
  j["lbprz"] = p->lbprz;
  j["anc_sup"] = p->anc_sup;
  j["dp"] = p->provisioning_group_descriptor.has_value();
  j["minimum_percentage"] = p->minimum_percentage;
  j["provisioning_type"] = provisioning_type_name(p->provisioning_type);
  j["threshold_percentage"] = p->threshold_percentage;
  if (p->provisioning_group_descriptor) {
    j["provisioning_group_descriptor"] = describe_designator(*p->provisioning_group_descriptor);
  }
  return j;
}

// The pages `xgate decode vpd` knows, by PAGE CODE (SPC-4 7.8.1; SBC-4 6.6).
struct VpdPageRow {
  std::uint8_t page_code;
  std::string_view name;
  Decoder describe;
};

const std::vector<VpdPageRow>& vpd_pages() {
  static const std::vector<VpdPageRow> rows = {
      {scsi::kVpdSupportedPages, "Supported VPD Pages", describe_supported_pages},
      {scsi::kVpdUnitSerialNumber, "Unit Serial Number", describe_serial_number},
      {scsi::kVpdDeviceIdentification, "Device Identification", describe_device_identification},
      {scsi::kVpdThirdPartyCopy, "Third-party Copy", describe_third_party_copy_page},
      {scsi::kVpdBlockLimits, "Block Limits", describe_block_limits},
      {scsi::kVpdBlockDeviceCharacteristics, "Block Device Characteristics",
       describe_block_device_characteristics},
      {scsi::kVpdLogicalBlockProvisioning, "Logical Block Provisioning",
       describe_logical_block_provisioning},
  };
  return rows;
}

std::string page_name(std::uint8_t code) {
  for (const auto& row : vpd_pages()) {
    if (row.page_code == code) return hex_code(code) + " " + std::string(row.name);
  }
  return hex_code(code) + (code >= 0xC0 ? " (vendor specific)" : "");
}

scsi::Result<Json> describe_supported_pages(std::span<const std::uint8_t> bytes) {
  auto page = scsi::decode_supported_vpd_pages(bytes);
  if (!page) return std::move(page).error();
  Json j = page_header(page->peripheral, scsi::kVpdSupportedPages, "Supported VPD Pages");
  j["supported_page_list"] = Json::array();
  for (std::uint8_t code : page->page_codes) j["supported_page_list"].push_back(page_name(code));
  return j;
}

}  // namespace

std::string printable_ascii(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) out.push_back(c >= 0x20 && c < 0x7F ? c : '.');
  return out;
}

Json describe_peripheral_byte(const scsi::Peripheral& p) {
  Json j;
  describe_peripheral(p, j);
  return j;
}

scsi::Result<Json> describe_vpd_page(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 2) {
    // No PAGE CODE to dispatch on: the same 1A/00 every VPD decoder gives a short buffer.
    return scsi::Sense::param_list_length_error().because(
        "a VPD page has a 4-byte header; " + std::to_string(bytes.size()) + " byte(s) given");
  }
  for (const auto& row : vpd_pages()) {
    if (row.page_code == bytes[1]) return row.describe(bytes);
  }
  return scsi::Sense::invalid_field_in_param_list(scsi::FieldRef::param(1))
      .because("PAGE CODE " + hex_code(bytes[1]) +
               " is not a page xgate decodes (00h, 80h, 83h, 8Fh, B0h, B1h, B2h)");
}

scsi::Result<Json> describe_standard_inquiry(std::span<const std::uint8_t> bytes) {
  auto inq = scsi::decode_standard_inquiry(bytes);
  if (!inq) return std::move(inq).error();
  Json j;
  j["data"] = "standard INQUIRY data";
  describe_peripheral(inq->peripheral, j);
  j["rmb"] = inq->rmb;
  j["lu_cong"] = inq->lu_cong;
  j["version"] = hex_code(inq->version) + (inq->version == scsi::kVersionSpc4 ? " SPC-4" : "");
  j["normaca"] = inq->normaca;
  j["hisup"] = inq->hisup;
  j["response_data_format"] = scsi::kResponseDataFormat;
  j["sccs"] = inq->sccs;
  j["acc"] = inq->acc;
  j["tpgs"] = inq->tpgs;
  j["3pc"] = inq->third_party_copy;
  j["protect"] = inq->protect;
  j["encserv"] = inq->encserv;
  j["multip"] = inq->multip;
  j["cmdque"] = inq->cmdque;
  j["t10_vendor_identification"] = printable_ascii(inq->t10_vendor_identification);
  j["product_identification"] = printable_ascii(inq->product_identification);
  j["product_revision_level"] = printable_ascii(inq->product_revision_level);
  if (!inq->version_descriptors.empty()) {
    for (std::uint16_t v : inq->version_descriptors) {
      j["version_descriptors"].push_back(version_descriptor_name(v));
    }
  }
  return j;
}

}  // namespace xg::cli
