#include "scsi/vpd.h"

#include <algorithm>
#include <cassert>

#include "base/bits.h"

namespace xg::scsi {

namespace {

std::uint8_t flag(bool on, unsigned bit_number) {
  return static_cast<std::uint8_t>(on ? (1U << bit_number) : 0U);
}

// Fixed-size SBC pages: a PAGE LENGTH below the SBC-4 value cannot hold the fields.
Result<void> require_page_length(const VpdPageView& page, std::uint16_t minimum) {
  if (page.body.size() < minimum) {
    return Sense::param_list_length_error(FieldRef::param(2))
        .because("PAGE LENGTH shorter than the SBC-4 page length");
  }
  return base::Ok{};
}

Designator target_port_designator(DesignatorType type, std::uint16_t value) {
  Designator d;
  d.protocol_identifier = kProtocolIdentifierIscsi;
  d.piv = true;
  d.code_set = CodeSet::kBinary;
  d.association = Association::kTargetPort;
  d.type = type;
  d.value = {0, 0, static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
  return d;
}

}  // namespace

// ---- header ----

std::size_t begin_vpd_page(base::ByteWriter& w, const Peripheral& p, std::uint8_t page_code) {
  const std::size_t start = w.size();
  w.u8(encode_peripheral(p));
  w.u8(page_code);
  w.be16(0);  // PAGE LENGTH, patched by finish_vpd_page()
  return start;
}

void finish_vpd_page(base::ByteWriter& w, std::size_t page_start) {
  const std::size_t body = w.size() - page_start - kVpdHeaderLength;
  assert(body <= 0xFFFF);
  w.put_be16_at(page_start + 2, static_cast<std::uint16_t>(body));
}

Result<VpdPageView> open_vpd_page(std::span<const std::uint8_t> bytes,
                                  std::uint8_t expected_page_code) {
  base::ByteReader r(bytes);
  if (!r.has(kVpdHeaderLength)) {
    Sense s = bytes.size() > 2 ? Sense::param_list_length_error(FieldRef::param(2))
                               : Sense::param_list_length_error();
    return std::move(s).because("VPD page header truncated");
  }
  VpdPageView page{decode_peripheral(r.u8()), 0, base::ByteReader(bytes.first(0))};
  const std::size_t code_at = r.offset();
  page.page_code = r.u8();
  if (page.page_code != expected_page_code) {
    return Sense::invalid_field_in_param_list(FieldRef::param(code_at))
        .because("PAGE CODE is not the page asked for");
  }
  const std::size_t length_at = r.offset();
  auto body = r.take(r.be16());
  if (!body) {
    return Sense::param_list_length_error(FieldRef::param(length_at))
        .because("PAGE LENGTH runs past the data");
  }
  page.body = *body;
  return page;
}

// ---- 00h ----

std::vector<std::uint8_t> encode_supported_vpd_pages(const SupportedVpdPages& page) {
  std::vector<std::uint8_t> codes = page.page_codes;
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  base::ByteWriter w(kVpdHeaderLength + codes.size());
  const std::size_t start = begin_vpd_page(w, page.peripheral, kVpdSupportedPages);
  w.bytes(codes);
  finish_vpd_page(w, start);
  return w.take();
}

Result<SupportedVpdPages> decode_supported_vpd_pages(std::span<const std::uint8_t> bytes) {
  auto page = open_vpd_page(bytes, kVpdSupportedPages);
  if (!page) return std::move(page).error();
  SupportedVpdPages out{page->peripheral, {}};
  base::ByteReader& r = page->body;
  while (!r.empty()) {
    const std::size_t at = r.offset();
    const std::uint8_t code = r.u8();
    if (!out.page_codes.empty() && code <= out.page_codes.back()) {
      return Sense::invalid_field_in_param_list(FieldRef::param(at))
          .because("supported VPD page list not in ascending order");
    }
    out.page_codes.push_back(code);
  }
  return out;
}

// ---- 80h ----

std::vector<std::uint8_t> encode_unit_serial_number(const UnitSerialNumberPage& page) {
  base::ByteWriter w(kVpdHeaderLength + page.product_serial_number.size());
  const std::size_t start = begin_vpd_page(w, page.peripheral, kVpdUnitSerialNumber);
  w.ascii_padded(page.product_serial_number, page.product_serial_number.size());
  finish_vpd_page(w, start);
  return w.take();
}

Result<UnitSerialNumberPage> decode_unit_serial_number(std::span<const std::uint8_t> bytes) {
  auto page = open_vpd_page(bytes, kVpdUnitSerialNumber);
  if (!page) return std::move(page).error();
  auto serial = page->body.bytes(page->body.remaining());
  return UnitSerialNumberPage{page->peripheral, std::string(serial.begin(), serial.end())};
}

// ---- 83h ----

std::vector<std::uint8_t> encode_device_identification(const DeviceIdentificationPage& page) {
  base::ByteWriter w;
  const std::size_t start = begin_vpd_page(w, page.peripheral, kVpdDeviceIdentification);
  for (const Designator& d : page.designators) encode_designator(d, w);
  finish_vpd_page(w, start);
  return w.take();
}

Result<DeviceIdentificationPage> decode_device_identification(
    std::span<const std::uint8_t> bytes) {
  auto page = open_vpd_page(bytes, kVpdDeviceIdentification);
  if (!page) return std::move(page).error();
  DeviceIdentificationPage out{page->peripheral, {}};
  while (!page->body.empty()) {
    auto d = decode_designator(page->body);
    if (!d) return std::move(d).error();
    out.designators.push_back(std::move(d).value());
  }
  return out;
}

Designator relative_target_port_designator(std::uint16_t relative_target_port_identifier) {
  return target_port_designator(DesignatorType::kRelativeTargetPort,
                                relative_target_port_identifier);
}

Designator target_port_group_designator(std::uint16_t target_port_group) {
  return target_port_designator(DesignatorType::kTargetPortGroup, target_port_group);
}

Designator iscsi_name_designator(std::string_view name, Association association) {
  Designator d = Designator::scsi_name_string(name, association);
  d.protocol_identifier = kProtocolIdentifierIscsi;
  d.piv = true;
  return d;
}

// ---- B0h ----

std::vector<std::uint8_t> encode_block_limits(const BlockLimitsPage& page) {
  base::ByteWriter w(kVpdHeaderLength + kBlockLimitsPageLength);
  const std::size_t start = begin_vpd_page(w, page.peripheral, kVpdBlockLimits);
  w.u8(flag(page.wsnz, 0));
  w.u8(page.maximum_compare_and_write_length);
  w.be16(page.optimal_transfer_length_granularity);
  w.be32(page.maximum_transfer_length);
  w.be32(page.optimal_transfer_length);
  w.be32(page.maximum_prefetch_length);
  w.be32(page.maximum_unmap_lba_count);
  w.be32(page.maximum_unmap_block_descriptor_count);
  w.be32(page.optimal_unmap_granularity);
  w.be32((page.ugavalid ? 0x8000'0000U : 0U) | (page.unmap_granularity_alignment & 0x7FFF'FFFFU));
  w.be64(page.maximum_write_same_length);
  w.be32(page.maximum_atomic_transfer_length);
  w.be32(page.atomic_alignment);
  w.be32(page.atomic_transfer_length_granularity);
  w.be32(page.maximum_atomic_transfer_length_with_atomic_boundary);
  w.be32(page.maximum_atomic_boundary_size);
  finish_vpd_page(w, start);
  assert(w.size() == kVpdHeaderLength + kBlockLimitsPageLength);
  return w.take();
}

Result<BlockLimitsPage> decode_block_limits(std::span<const std::uint8_t> bytes) {
  auto page = open_vpd_page(bytes, kVpdBlockLimits);
  if (!page) return std::move(page).error();
  XG_TRY(require_page_length(*page, kBlockLimitsPageLength));
  base::ByteReader& r = page->body;
  BlockLimitsPage out;
  out.peripheral = page->peripheral;
  out.wsnz = base::bit(r.u8(), 0);
  out.maximum_compare_and_write_length = r.u8();
  out.optimal_transfer_length_granularity = r.be16();
  out.maximum_transfer_length = r.be32();
  out.optimal_transfer_length = r.be32();
  out.maximum_prefetch_length = r.be32();
  out.maximum_unmap_lba_count = r.be32();
  out.maximum_unmap_block_descriptor_count = r.be32();
  out.optimal_unmap_granularity = r.be32();
  const std::uint32_t alignment = r.be32();
  out.ugavalid = (alignment & 0x8000'0000U) != 0;
  out.unmap_granularity_alignment = alignment & 0x7FFF'FFFFU;
  out.maximum_write_same_length = r.be64();
  out.maximum_atomic_transfer_length = r.be32();
  out.atomic_alignment = r.be32();
  out.atomic_transfer_length_granularity = r.be32();
  out.maximum_atomic_transfer_length_with_atomic_boundary = r.be32();
  out.maximum_atomic_boundary_size = r.be32();
  return out;
}

// ---- B1h ----

std::vector<std::uint8_t> encode_block_device_characteristics(
    const BlockDeviceCharacteristicsPage& page) {
  base::ByteWriter w(kVpdHeaderLength + kBlockDeviceCharacteristicsPageLength);
  const std::size_t start = begin_vpd_page(w, page.peripheral, kVpdBlockDeviceCharacteristics);
  w.be16(page.medium_rotation_rate);
  w.u8(page.product_type);
  w.u8(static_cast<std::uint8_t>(((page.wabereq & 0x3U) << 6) | ((page.wacereq & 0x3U) << 4) |
                                 (page.nominal_form_factor & 0xFU)));
  w.u8(static_cast<std::uint8_t>(((page.zoned & 0x3U) << 4) | flag(page.fuab, 1) |
                                 flag(page.vbuls, 0)));
  w.zeros(kVpdHeaderLength + kBlockDeviceCharacteristicsPageLength - w.size());  // 9-63
  finish_vpd_page(w, start);
  return w.take();
}

Result<BlockDeviceCharacteristicsPage> decode_block_device_characteristics(
    std::span<const std::uint8_t> bytes) {
  auto page = open_vpd_page(bytes, kVpdBlockDeviceCharacteristics);
  if (!page) return std::move(page).error();
  XG_TRY(require_page_length(*page, kBlockDeviceCharacteristicsPageLength));
  base::ByteReader& r = page->body;
  BlockDeviceCharacteristicsPage out;
  out.peripheral = page->peripheral;
  out.medium_rotation_rate = r.be16();
  out.product_type = r.u8();
  const std::uint8_t b7 = r.u8();
  out.wabereq = base::bits<7, 6>(b7);
  out.wacereq = base::bits<5, 4>(b7);
  out.nominal_form_factor = base::bits<3, 0>(b7);
  const std::uint8_t b8 = r.u8();
  out.zoned = base::bits<5, 4>(b8);
  out.fuab = base::bit(b8, 1);
  out.vbuls = base::bit(b8, 0);
  return out;
}

// ---- B2h ----

std::vector<std::uint8_t> encode_logical_block_provisioning(
    const LogicalBlockProvisioningPage& page) {
  base::ByteWriter w;
  const std::size_t start = begin_vpd_page(w, page.peripheral, kVpdLogicalBlockProvisioning);
  w.u8(page.threshold_exponent);
  w.u8(static_cast<std::uint8_t>(flag(page.lbpu, 7) | flag(page.lbpws, 6) |
                                 flag(page.lbpws10, 5) | ((page.lbprz & 0x7U) << 2) |
                                 flag(page.anc_sup, 1) |
                                 flag(page.provisioning_group_descriptor.has_value(), 0)));
  w.u8(static_cast<std::uint8_t>(((page.minimum_percentage & 0x1FU) << 3) |
                                 (page.provisioning_type & 0x7U)));
  w.u8(page.threshold_percentage);
  if (page.provisioning_group_descriptor) encode_designator(*page.provisioning_group_descriptor, w);
  finish_vpd_page(w, start);
  return w.take();
}

Result<LogicalBlockProvisioningPage> decode_logical_block_provisioning(
    std::span<const std::uint8_t> bytes) {
  auto page = open_vpd_page(bytes, kVpdLogicalBlockProvisioning);
  if (!page) return std::move(page).error();
  XG_TRY(require_page_length(*page, 4));
  base::ByteReader& r = page->body;
  LogicalBlockProvisioningPage out;
  out.peripheral = page->peripheral;
  out.threshold_exponent = r.u8();
  const std::uint8_t b5 = r.u8();
  out.lbpu = base::bit(b5, 7);
  out.lbpws = base::bit(b5, 6);
  out.lbpws10 = base::bit(b5, 5);
  out.lbprz = base::bits<4, 2>(b5);
  out.anc_sup = base::bit(b5, 1);
  const std::uint8_t b6 = r.u8();
  out.minimum_percentage = base::bits<7, 3>(b6);
  out.provisioning_type = base::bits<2, 0>(b6);
  out.threshold_percentage = r.u8();
  if (base::bit(b5, 0)) {  // DP
    if (r.empty()) {
      return Sense::param_list_length_error(FieldRef::param(2))
          .because("DP=1 but PAGE LENGTH leaves no provisioning group descriptor");
    }
    auto d = decode_designator(r);
    if (!d) return std::move(d).error();
    out.provisioning_group_descriptor = std::move(d).value();
  }
  return out;
}

}  // namespace xg::scsi
