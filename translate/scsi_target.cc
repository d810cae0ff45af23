#include "translate/scsi_target.h"

#include "base/bits.h"
#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "scsi/inquiry.h"
#include "scsi/vpd.h"
#include "translate/cdb_table.h"

namespace xg::translate {
namespace {

using opcode::kInquiry;
using opcode::kReportLuns;
using opcode::kRequestSense;

// SELECT REPORT (SPC-4 6.33, table 162).
constexpr std::uint8_t kSelectLogicalUnits = 0x00;
constexpr std::uint8_t kSelectWellKnown = 0x01;
constexpr std::uint8_t kSelectAll = 0x02;

// PERIPHERAL QUALIFIER 011b / DEVICE TYPE 1Fh: no logical unit here (SPC-4 6.6.2).
constexpr scsi::Peripheral kNoUnit{0x3, 0x1F};

// SAM-5 4.7.7: LUNs below 256 as peripheral device addressing (00b), the rest up to 16383
// as flat space addressing (01b); the 8-byte LUN is the first level, zero padded.
void encode_lun(base::ByteWriter& w, std::uint64_t lun) {
  if (lun < 256) {
    w.u8(0);
    w.u8(static_cast<std::uint8_t>(lun));
  } else {
    w.u8(static_cast<std::uint8_t>(0x40 | ((lun >> 8) & 0x3F)));
    w.u8(static_cast<std::uint8_t>(lun & 0xFF));
  }
  w.zeros(6);
}

// INQUIRY to a LUN with no unit: standard data with PQ 011b, or VPD 00h listing itself.
ScsiResponse absent_inquiry(std::span<const std::uint8_t> cdb) {
  base::ByteReader r(cdb);
  r.skip(1);
  const bool evpd = base::bit(r.u8(), 0);
  const std::size_t page_at = r.offset();
  const std::uint8_t page = r.u8();
  const std::uint16_t allocation_length = r.be16();
  if (evpd && page == scsi::kVpdSupportedPages) {
    return ScsiResponse::with_data(
        scsi::encode_supported_vpd_pages({kNoUnit, {scsi::kVpdSupportedPages}}), allocation_length);
  }
  if (evpd || page != 0) {
    return ScsiResponse::check_condition(
        scsi::Sense::invalid_field_in_cdb(scsi::FieldRef::cdb(page_at)), false);
  }
  scsi::StandardInquiry inq;
  inq.peripheral = kNoUnit;
  inq.hisup = true;
  return ScsiResponse::with_data(scsi::encode_standard_inquiry(inq), allocation_length);
}

}  // namespace

ScsiResponse ScsiResponse::with_data(std::vector<std::uint8_t> data,
                                     std::uint32_t allocation_length) {
  if (data.size() > allocation_length) data.resize(allocation_length);
  ScsiResponse r;
  r.data_in = std::move(data);
  r.transfer_length = allocation_length;
  return r;
}

ScsiResponse ScsiResponse::check_condition(const scsi::Sense& sense, bool descriptor_format) {
  ScsiResponse r;
  r.status = scsi::Status::kCheckCondition;
  r.sense = scsi::encode_sense(sense, descriptor_format);
  return r;
}

ScsiTarget::~ScsiTarget() {
  if (copy_manager_) copy_manager_->shutdown();
}

ScsiTarget& ScsiTarget::operator=(ScsiTarget&& other) noexcept {
  if (this != &other) {
    if (copy_manager_) copy_manager_->shutdown();
    units_ = std::move(other.units_);
    copy_manager_ = std::move(other.copy_manager_);
  }
  return *this;
}

void ScsiTarget::add_lun(std::uint64_t lun, std::unique_ptr<LogicalUnit> unit) {
  if (auto endpoint = unit->copy_endpoint()) {
    copy_manager_->add_endpoint(lun, std::move(*endpoint));
    unit->attach_copy_manager(copy_manager_, lun);
  }
  units_[lun] = std::move(unit);
}

std::uint64_t ScsiTarget::max_transfer_bytes(std::uint64_t lun) const {
  auto it = units_.find(lun);
  return it == units_.end() ? 0 : it->second->max_transfer_bytes();
}

void ScsiTarget::nexus_lost(const ItNexus& nexus) {
  for (auto& [lun, unit] : units_) unit->nexus_lost(nexus);
  copy_manager_->nexus_lost(nexus);
}

void ScsiTarget::abort_task(const ItNexus& nexus, std::uint32_t task_tag) {
  copy_manager_->abort_task(nexus, task_tag);
}

void ScsiTarget::abort_task_set(const ItNexus& nexus, std::uint64_t lun) {
  copy_manager_->abort_task_set(nexus, lun);
}

// The units' unit attentions are in place before the copies are told to stop, so nothing
// the stop completes can let another nexus in ahead of them.
void ScsiTarget::reset_logical_unit(std::uint64_t lun) {
  if (auto it = units_.find(lun); it != units_.end()) {
    it->second->reset(ResetEvent::kLogicalUnitReset);
  }
  copy_manager_->reset(lun);
}

// A hard reset (and power on) resets every logical unit of the target (SAM-5 6.3.1, 6.3.2);
// each unit reports the target's event, not a logical unit reset.
void ScsiTarget::reset_target(ResetEvent event) {
  for (auto& [lun, unit] : units_) unit->reset(event);
  copy_manager_->reset(std::nullopt);
}

namespace {

// REPORT LUNS (SPC-4 6.33), answered for any LUN, configured or not.
ScsiResponse report_luns(std::span<const std::uint8_t> cdb,
                         const std::vector<std::uint64_t>& luns) {
  if (cdb.size() < 12) {
    return ScsiResponse::check_condition(scsi::Sense::invalid_command_operation_code(), false);
  }
  base::ByteReader r(cdb);
  r.skip(2);
  const std::size_t select_at = r.offset();
  const std::uint8_t select = r.u8();
  r.skip(3);
  const std::uint32_t allocation_length = r.be32();
  if (select != kSelectLogicalUnits && select != kSelectWellKnown && select != kSelectAll) {
    return ScsiResponse::check_condition(
        scsi::Sense::invalid_field_in_cdb(scsi::FieldRef::cdb(select_at)), false);
  }
  base::ByteWriter w(8 + 8 * luns.size());
  w.be32(0);  // LUN LIST LENGTH, patched
  w.be32(0);
  // No well-known logical units exist, so 01h lists nothing and 02h equals 00h.
  if (select != kSelectWellKnown) {
    for (const std::uint64_t lun : luns) encode_lun(w, lun);
  }
  w.put_be32_at(0, static_cast<std::uint32_t>(w.size() - 8));
  return ScsiResponse::with_data(w.take(), allocation_length);
}

}  // namespace

void ScsiTarget::execute(ScsiCommand command, ScsiCompletion done) {
  if (command.cdb.empty()) {
    return done(
        ScsiResponse::check_condition(scsi::Sense::invalid_command_operation_code(), false));
  }
  const std::uint8_t op = command.cdb[0];
  if (op == kReportLuns) {
    std::vector<std::uint64_t> luns;
    for (const auto& entry : units_) luns.push_back(entry.first);
    return done(report_luns(command.cdb, luns));
  }
  auto it = units_.find(command.lun);
  if (it != units_.end()) return it->second->execute(std::move(command), std::move(done));
  // No unit at this LUN (SPC-4 6.6.2, 6.39, SAM-5 5.9.6); sense in fixed format, as no
  // control mode page exists to ask for anything else.
  if (op == kInquiry && command.cdb.size() >= 6) return done(absent_inquiry(command.cdb));
  if (op == kRequestSense && command.cdb.size() >= 6) {
    const bool desc = base::bit(command.cdb[1], 0);
    return done(ScsiResponse::with_data(
        scsi::encode_sense(scsi::Sense::logical_unit_not_supported(), desc), command.cdb[4]));
  }
  done(ScsiResponse::check_condition(scsi::Sense::logical_unit_not_supported(), false));
}

}  // namespace xg::translate
