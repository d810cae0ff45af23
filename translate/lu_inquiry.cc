// INQUIRY (SPC-4 6.6) with VPD pages 00h/80h/83h/B0h/B1h/B2h, READ CAPACITY(10) (SBC-4
// 5.20) and READ CAPACITY(16) (SBC-4 5.21) of the NVMe-backed LU. Encoders are scsi/'s;
// this file decides the values (NVMe TR 1.5 "INQUIRY" / "READ CAPACITY" mappings).
#include <algorithm>
#include <cstdio>

#include "base/bits.h"
#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "scsi/inquiry.h"
#include "scsi/vpd.h"
#include "translate/nvme_lu.h"

namespace xg::translate::detail {
namespace {

// Version descriptors (SPC-4 table 142): SAM-5, SPC-4, SBC-3, iSCSI (no version claimed).
constexpr std::uint16_t kVersionSam5 = 0x00A0;
constexpr std::uint16_t kVersionSpc4 = 0x0460;
constexpr std::uint16_t kVersionSbc3 = 0x04C0;
constexpr std::uint16_t kVersionIscsi = 0x0960;

constexpr scsi::Peripheral kDirectAccess{};  // PQ 000b, type 00h

// FNV-1a, 64 bits: stable across builds and platforms, unlike std::hash.
std::uint64_t fnv1a(std::string_view text, std::uint64_t seed = 0xCBF29CE484222325ULL) {
  std::uint64_t h = seed;
  for (const char c : text) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

std::string serial_of(const LogicalUnitIdentity& id) {
  if (!id.serial.empty()) return id.serial;
  char text[13];
  std::snprintf(text, sizeof text, "%012llX",
                static_cast<unsigned long long>(fnv1a(id.unique_name) & 0xFFFFFFFFFFFFULL));
  return text;
}

// "<TargetName>,t,0x0001" -> "<TargetName>" (RFC 7143 13.3 port name format).
std::string target_name_of(const std::string& target_port) {
  const auto at = target_port.find(",t,");
  return at == std::string::npos ? target_port : target_port.substr(0, at);
}

// Ascending (SPC-4 7.8.13); 8Fh only when the copy manager is attached.
std::vector<std::uint8_t> supported_pages(bool third_party_copy) {
  std::vector<std::uint8_t> pages = {scsi::kVpdSupportedPages, scsi::kVpdUnitSerialNumber,
                                     scsi::kVpdDeviceIdentification};
  if (third_party_copy) pages.push_back(scsi::kVpdThirdPartyCopy);
  pages.insert(pages.end(), {scsi::kVpdBlockLimits, scsi::kVpdBlockDeviceCharacteristics,
                             scsi::kVpdLogicalBlockProvisioning});
  return scsi::encode_supported_vpd_pages({kDirectAccess, pages});
}

// SPC-4 7.8.6: LU designators first (NAA 6h, then T10 vendor ID), then the port the
// command came in on (relative target port, SCSI name of the port) and the target device.
std::vector<scsi::Designator> lu_designators(const LogicalUnitIdentity& id, std::uint32_t oui,
                                             const ItNexus* nexus) {
  std::vector<scsi::Designator> out;
  const std::uint32_t company = id.ieee_company_id != 0 ? id.ieee_company_id : oui;
  const std::uint64_t h = fnv1a(id.unique_name);
  out.push_back(scsi::Designator::naa6(company, h >> 28, fnv1a(id.unique_name, h)));
  // 8 + 12 bytes: the 20 an E4h CSCD descriptor can carry (vpd.h).
  out.push_back(scsi::Designator::t10_vendor_id(id.vendor, serial_of(id).substr(0, 12)));
  if (nexus != nullptr) {
    out.push_back(scsi::relative_target_port_designator(nexus->relative_target_port));
    if (!nexus->target_port.empty()) {
      out.push_back(
          scsi::iscsi_name_designator(nexus->target_port, scsi::Association::kTargetPort));
      out.push_back(scsi::iscsi_name_designator(target_name_of(nexus->target_port),
                                                scsi::Association::kTargetDevice));
    }
  }
  return out;
}

scsi::BlockLimitsPage block_limits(const NvmeLu& lu) {
  const Geometry g = lu.geometry();
  scsi::BlockLimitsPage page;
  page.peripheral = kDirectAccess;
  // WSNZ: WRITE SAME with NUMBER OF LOGICAL BLOCKS 0 ("to the last LBA") is refused.
  page.wsnz = true;
  if (lu.caps().compare_and_write) {
    page.maximum_compare_and_write_length =
        static_cast<std::uint8_t>(std::min<std::uint32_t>(255, g.blocks_per_io));
  }
  page.maximum_transfer_length = lu.max_transfer_blocks();
  // One NVMe command's worth: anything larger is split (nvme_logical_unit.h).
  page.optimal_transfer_length = std::min(g.blocks_per_io, lu.max_transfer_blocks());
  if (lu.caps().deallocate) {
    page.maximum_unmap_lba_count = kMaxUnmapBlocks;
    page.maximum_unmap_block_descriptor_count = kMaxUnmapDescriptors;
  }
  page.maximum_write_same_length = kMaxWriteSameBlocks;
  return page;
}

scsi::LogicalBlockProvisioningPage provisioning(const NvmeLu& lu) {
  const Capabilities& c = lu.caps();
  scsi::LogicalBlockProvisioningPage page;
  page.peripheral = kDirectAccess;
  page.lbpu = c.deallocate;
  // WRITE SAME with UNMAP=1 deallocates through DSM or Write Zeroes with DEAC.
  page.lbpws = c.deallocate || c.write_zeroes_deallocates;
  page.lbpws10 = page.lbpws;
  // DLFEAT 001b: deallocated blocks read as zeros. Meaningless without unmapping (full
  // provisioning), where SBC-4 6.6.6 wants 000b.
  page.lbprz = (page.lbpu || page.lbpws) && c.deallocated_reads_zeros ? 1 : 0;
  page.provisioning_type =
      page.lbpu || page.lbpws ? scsi::kProvisioningThin : scsi::kProvisioningFull;
  return page;
}

}  // namespace

void NvmeLu::inquiry(const ExchangePtr& x) {
  base::ByteReader r(x->cdb());
  r.skip(1);
  const bool evpd = base::bit(r.u8(), 0);
  const std::size_t page_at = r.offset();
  const std::uint8_t page_code = r.u8();
  const std::uint16_t allocation_length = r.be16();
  if (!evpd) {
    if (page_code != 0)
      return x->fail(scsi::Sense::invalid_field_in_cdb(scsi::FieldRef::cdb(page_at)));
    scsi::StandardInquiry inq;
    inq.peripheral = kDirectAccess;
    inq.third_party_copy = copy_offload();  // SPC-4 6.6.2 3PC: EXTENDED COPY is executed
    inq.t10_vendor_identification = identity_.vendor;
    inq.product_identification = identity_.product;
    inq.product_revision_level = identity_.revision;
    inq.version_descriptors = {kVersionSam5, kVersionSpc4, kVersionSbc3, kVersionIscsi};
    return x->data_in(scsi::encode_standard_inquiry(inq), allocation_length);
  }
  std::vector<std::uint8_t> page;
  switch (page_code) {
    case scsi::kVpdSupportedPages:
      page = supported_pages(copy_offload());
      break;
    case scsi::kVpdThirdPartyCopy:
      if (!copy_offload()) {
        return x->fail(scsi::Sense::invalid_field_in_cdb(scsi::FieldRef::cdb(page_at))
                           .because("VPD page not supported"));
      }
      page = third_party_copy_page();
      break;
    case scsi::kVpdUnitSerialNumber:
      page = scsi::encode_unit_serial_number({kDirectAccess, serial_of(identity_)});
      break;
    case scsi::kVpdDeviceIdentification:
      page = scsi::encode_device_identification(
          {kDirectAccess, lu_designators(identity_, caps_.ieee_oui, x->command.nexus.get())});
      break;
    case scsi::kVpdBlockLimits:
      page = scsi::encode_block_limits(block_limits(*this));
      break;
    case scsi::kVpdBlockDeviceCharacteristics:
      page = scsi::encode_block_device_characteristics({});  // non-rotating, defaults
      break;
    case scsi::kVpdLogicalBlockProvisioning:
      page = scsi::encode_logical_block_provisioning(provisioning(*this));
      break;
    default:
      return x->fail(scsi::Sense::invalid_field_in_cdb(scsi::FieldRef::cdb(page_at))
                         .because("VPD page not supported"));
  }
  x->data_in(std::move(page), allocation_length);
}

void NvmeLu::read_capacity10(const ExchangePtr& x) {
  base::ByteReader r(x->cdb());
  r.skip(2);
  const std::size_t lba_at = r.offset();
  const std::uint32_t lba = r.be32();
  r.skip(2);
  const bool pmi = base::bit(r.u8(), 0);
  // SBC-3 5.16: LOGICAL BLOCK ADDRESS must be 0 unless PMI is set (both obsolete in SBC-4).
  if (!pmi && lba != 0)
    return x->fail(scsi::Sense::invalid_field_in_cdb(scsi::FieldRef::cdb(lba_at)));
  const Geometry g = geometry();
  base::ByteWriter w(8);
  // Above 32 bits: FFFFFFFFh tells the initiator to use READ CAPACITY(16) (SBC-4 5.20.2).
  w.be32(static_cast<std::uint32_t>(std::min<std::uint64_t>(g.blocks - 1, 0xFFFFFFFFULL)));
  w.be32(g.block_size);
  x->data_in(w.take(), 8);
}

void NvmeLu::service_action_in16(const ExchangePtr& x) {
  if ((x->cdb()[1] & 0x1F) == kSaGetLbaStatus) return get_lba_status(x);
  read_capacity16(x);
}

// SBC-4 5.7 GET LBA STATUS: one descriptor from STARTING LBA to the last LBA (at most
// 2^32 - 1 blocks) with PROVISIONING STATUS 0h, "mapped or unknown": NVMe gives the host
// no allocation map to report more precisely (DULBE, NVM Command Set 1.0, is kept off).
void NvmeLu::get_lba_status(const ExchangePtr& x) {
  base::ByteReader r(x->cdb());
  r.skip(2);
  const std::uint64_t lba = r.be64();
  const std::uint32_t allocation_length = r.be32();
  const Geometry g = geometry();
  if (lba >= g.blocks) {
    return x->fail(scsi::Sense::lba_out_of_range().because("STARTING LBA past the last LBA"));
  }
  base::ByteWriter w(24);
  w.be32(20);  // PARAMETER DATA LENGTH: 4 reserved bytes + one 16-byte descriptor
  w.zeros(4);
  w.be64(lba);
  w.be32(static_cast<std::uint32_t>(std::min<std::uint64_t>(g.blocks - lba, 0xFFFFFFFFULL)));
  w.u8(0x00);  // PROVISIONING STATUS 0h: mapped or unknown
  w.zeros(3);
  x->data_in(w.take(), allocation_length);
}

void NvmeLu::read_capacity16(const ExchangePtr& x) {
  base::ByteReader r(x->cdb());
  r.skip(2);
  const std::size_t lba_at = r.offset();
  const std::uint64_t lba = r.be64();
  const std::uint32_t allocation_length = r.be32();
  const bool pmi = base::bit(r.u8(), 0);
  if (!pmi && lba != 0)
    return x->fail(scsi::Sense::invalid_field_in_cdb(scsi::FieldRef::cdb(lba_at)));
  const Geometry g = geometry();
  const bool lbpme = caps_.deallocate || caps_.write_zeroes_deallocates;
  base::ByteWriter w(32);
  w.be64(g.blocks - 1);              // RETURNED LOGICAL BLOCK ADDRESS
  w.be32(g.block_size);              // LOGICAL BLOCK LENGTH IN BYTES
  w.u8(0x10);                        // RC_BASIS 01b (last LBA); P_TYPE 0, PROT_EN 0
  w.u8(g.physical_exponent & 0x0F);  // P_I_EXPONENT 0 | LB PER PHYSICAL BLOCK EXPONENT
  // LBPME: thin provisioned (UNMAP/WRITE SAME unmap work); LBPRZ: unmapped reads are zero.
  w.u8(static_cast<std::uint8_t>((lbpme ? 0x80 : 0) |
                                 (lbpme && caps_.deallocated_reads_zeros ? 0x40 : 0)));
  w.u8(0);  // LOWEST ALIGNED LOGICAL BLOCK ADDRESS
  w.zeros(16);
  x->data_in(w.take(), allocation_length);
}

std::vector<scsi::Designator> NvmeLu::own_designators() const {
  return lu_designators(identity_, caps_.ieee_oui, nullptr);
}

}  // namespace xg::translate::detail
