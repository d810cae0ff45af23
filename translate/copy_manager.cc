#include "translate/copy_manager.h"

#include <algorithm>
#include <bit>

#include "scsi/third_party_copy_cdb.h"
#include "scsi/xcopy_params.h"
#include "translate/copy_job.h"

namespace xg::translate {
namespace {

using scsi::FieldRef;
using scsi::Sense;

// 02h NUMBER OF BLOCKS is 16 bits (SPC-4 6.4.6.3); one segment also stays short enough
// that ESXi's and Windows' few-second command timeouts hold (scsi-copy.md §12 item 21).
constexpr std::uint64_t kMaxSegmentBlocks = 65535;
constexpr std::uint64_t kMaxSegmentBytes = 64ULL << 20;
constexpr std::uint64_t kReflinkGranularity = 4096;  // filesystem block of XFS/btrfs reflinks

}  // namespace

void CopyManager::add_endpoint(std::uint64_t lun, CopyEndpoint endpoint) {
  std::lock_guard lock(mutex_);
  auto [it, added] =
      controllers_.emplace(endpoint.device, static_cast<std::uint32_t>(controllers_.size()));
  endpoint.plan.id = static_cast<std::uint32_t>(lun);
  endpoint.plan.controller = it->second;
  endpoint.plan.nsid = endpoint.nsid;
  endpoint.plan.lba_size = endpoint.block_size;
  endpoints_[lun] = std::move(endpoint);
}

scsi::CopyManagerLimits CopyManager::limits() const {
  std::lock_guard lock(mutex_);
  scsi::CopyManagerLimits limits;
  std::uint32_t smallest = 0;
  for (const auto& [lun, e] : endpoints_) {
    smallest = smallest == 0 ? e.block_size : std::min(smallest, e.block_size);
  }
  if (smallest == 0) smallest = 512;
  // Whole 4 KiB units: a client that cuts a long copy at the maximum then starts every
  // segment 4 KiB-aligned, which keeps the emulated Copy a reflink on XFS (65535 x 512
  // bytes would misalign 7 of every 8 segments and turn them into data copies).
  const std::uint64_t per_4k = std::max<std::uint64_t>(1, kReflinkGranularity / smallest);
  const std::uint64_t blocks = kMaxSegmentBlocks / per_4k * per_4k;
  limits.max_segment_length =
      static_cast<std::uint32_t>(std::min(blocks * smallest, kMaxSegmentBytes));
  limits.data_segment_granularity_log2 = static_cast<std::uint8_t>(std::countr_zero(smallest));
  limits.implemented_descriptor_types = {scsi::kSegmentBlockToBlock, scsi::kCscdTypeIdentification};
  return limits;
}

std::vector<scsi::SupportedCommand> CopyManager::supported_commands() {
  return {
      {scsi::kThirdPartyCopyOut, {scsi::kTpcOutExtendedCopyLid1}},
      {scsi::kThirdPartyCopyIn,
       {scsi::kRcrCopyStatusLid1, scsi::kRcrOperatingParameters, scsi::kRcrFailureDetailsLid1}}};
}

scsi::ThirdPartyCopyPage CopyManager::vpd_page(const scsi::Peripheral& peripheral) const {
  scsi::ThirdPartyCopyProfile profile;
  profile.peripheral = peripheral;
  profile.copy = limits();
  profile.commands = supported_commands();
  profile.cscd_ids = {0xFFFF};  // 000Ch: FFFFh names the LU that received the command
  return scsi::third_party_copy_page(profile);
}

const CopyEndpoint* CopyManager::endpoint(std::uint64_t lun) const {
  std::lock_guard lock(mutex_);
  auto it = endpoints_.find(lun);
  return it == endpoints_.end() ? nullptr : &it->second;
}

std::vector<std::pair<std::uint64_t, const CopyEndpoint*>> CopyManager::endpoints() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::uint64_t, const CopyEndpoint*>> out;
  for (const auto& [lun, e] : endpoints_) out.emplace_back(lun, &e);
  return out;
}

void CopyManager::execute(const ScsiCommand& command, std::uint64_t lun, bool descriptor_sense,
                          ScsiCompletion done) {
  auto cdb = scsi::decode_third_party_copy_cdb(command.cdb);
  if (!cdb) return done(ScsiResponse::check_condition(cdb.error(), descriptor_sense));
  const ItNexus& nexus = *command.nexus;
  if (cdb->operation_code == scsi::kThirdPartyCopyOut) {
    if (cdb->service_action != scsi::kTpcOutExtendedCopyLid1) {
      // LID4, POPULATE TOKEN, WRITE USING TOKEN, COPY OPERATION ABORT: not offered (VPD
      // 8Fh 0001h does not list them).
      return done(ScsiResponse::check_condition(Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4)),
                                                descriptor_sense));
    }
    bool started = false;
    ScsiResponse response =
        extended_copy(command, cdb->parameter_list_length, lun, descriptor_sense, done, started);
    if (!started) done(std::move(response));
    return;
  }
  const RecordKey key{nexus.initiator_port, nexus.target_port, lun,
                      cdb->list_identifier.value_or(0)};
  switch (cdb->service_action) {
    case scsi::kRcrCopyStatusLid1:
      return done(copy_status(key, cdb->allocation_length, descriptor_sense));
    case scsi::kRcrFailureDetailsLid1:
      return done(failure_details(key, cdb->allocation_length, descriptor_sense));
    case scsi::kRcrOperatingParameters:
      return done(ScsiResponse::with_data(scsi::encode_operating_parameters(limits()),
                                          cdb->allocation_length));
    default:
      return done(ScsiResponse::check_condition(Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4)),
                                                descriptor_sense));
  }
}

ScsiResponse CopyManager::extended_copy(const ScsiCommand& command,
                                        std::uint32_t parameter_list_length, std::uint64_t lun,
                                        bool descriptor_sense, ScsiCompletion& done,
                                        bool& started) {
  ScsiResponse good;
  good.transfer_length = parameter_list_length;
  if (parameter_list_length == 0) return good;  // SPC-4 6.5.1: no copy, GOOD
  if (command.data_out.size() < parameter_list_length) {
    return ScsiResponse::check_condition(
        Sense::param_list_length_error().because("Data-Out shorter than PARAMETER LIST LENGTH"),
        descriptor_sense);
  }
  const std::span<const std::uint8_t> parameters =
      std::span(command.data_out).first(parameter_list_length);
  auto list = scsi::decode_extended_copy(parameters, scsi::ListIdFormat::kLid1, limits());
  if (!list) return ScsiResponse::check_condition(list.error(), descriptor_sense);

  std::optional<RecordKey> key;
  if (list->list_id_usage != scsi::ListIdUsage::kNoListId) {
    key = RecordKey{command.nexus->initiator_port, command.nexus->target_port, lun,
                    list->list_identifier};
    std::lock_guard lock(mutex_);
    auto found = records_.find(*key);
    if (found != records_.end() && found->second.running) {
      return ScsiResponse::check_condition(Sense::operation_in_progress(), descriptor_sense);
    }
    // Bounded status memory per nexus: evict the oldest finished record.
    std::size_t of_nexus = 0;
    auto oldest = records_.end();
    for (auto it = records_.begin(); it != records_.end(); ++it) {
      if (std::get<0>(it->first) != std::get<0>(*key)) continue;
      ++of_nexus;
      if (!it->second.running &&
          (oldest == records_.end() || it->second.sequence < oldest->second.sequence)) {
        oldest = it;
      }
    }
    if (found == records_.end() && of_nexus >= kMaxRecordsPerNexus) {
      if (oldest == records_.end()) {
        return ScsiResponse::check_condition(Sense::insufficient_resources(), descriptor_sense);
      }
      records_.erase(oldest);
    }
    Record record;
    record.sequence = next_sequence_++;
    records_[*key] = record;
  }
  started = true;
  start_copy_job(shared_from_this(), key, std::move(*list), lun, descriptor_sense, std::move(done));
  return good;
}

void CopyManager::finish(const RecordKey& key, const scsi::CopyStatusLid1& status,
                         std::optional<std::vector<std::uint8_t>> failure_sense) {
  std::lock_guard lock(mutex_);
  auto it = records_.find(key);
  if (it == records_.end()) return;  // the nexus went away meanwhile
  it->second.running = false;
  it->second.status = status;
  it->second.failure_sense = std::move(failure_sense);
}

ScsiResponse CopyManager::copy_status(const RecordKey& key, std::uint32_t allocation_length,
                                      bool descriptor_sense) {
  std::lock_guard lock(mutex_);
  auto it = records_.find(key);
  if (it == records_.end()) {
    // SPC-4 6.25: no copy with this LIST IDENTIFIER -> INVALID FIELD IN CDB at the field.
    return ScsiResponse::check_condition(
        Sense::invalid_field_in_cdb(FieldRef::cdb(2)).because("no such list identifier"),
        descriptor_sense);
  }
  scsi::CopyStatusLid1 status = it->second.status;
  if (it->second.running) status.copy_command_status = scsi::CopyCommandStatus::kInProgress;
  return ScsiResponse::with_data(scsi::encode_copy_status_lid1(status), allocation_length);
}

ScsiResponse CopyManager::failure_details(const RecordKey& key, std::uint32_t allocation_length,
                                          bool descriptor_sense) {
  std::lock_guard lock(mutex_);
  auto it = records_.find(key);
  if (it == records_.end()) {
    return ScsiResponse::check_condition(
        Sense::invalid_field_in_cdb(FieldRef::cdb(2)).because("no such list identifier"),
        descriptor_sense);
  }
  std::optional<scsi::CopyFailureDetailsLid1> details;
  if (!it->second.running && it->second.failure_sense) {
    details =
        scsi::CopyFailureDetailsLid1{scsi::Status::kCheckCondition, *it->second.failure_sense};
  }
  return ScsiResponse::with_data(scsi::encode_failure_details_lid1(details), allocation_length);
}

void CopyManager::nexus_lost(const ItNexus& nexus) {
  std::lock_guard lock(mutex_);
  std::erase_if(records_, [&](const auto& item) {
    return std::get<0>(item.first) == nexus.initiator_port &&
           std::get<1>(item.first) == nexus.target_port && !item.second.running;
  });
}

}  // namespace xg::translate
