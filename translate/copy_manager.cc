#include "translate/copy_manager.h"

#include <algorithm>
#include <bit>

#include "scsi/third_party_copy_cdb.h"
#include "scsi/xcopy_params.h"

namespace xg::translate {
namespace {

using scsi::FieldRef;
using scsi::Sense;

// 02h NUMBER OF BLOCKS is 16 bits (SPC-4 6.4.6.3); one segment also stays short enough
// that the initiators' few-second command timeouts hold (Windows gives an offloaded copy
// about 4 s, Microsoft's "Offloaded Data Transfers"; ESXi sends 4-16 MiB per XCOPY).
constexpr std::uint64_t kMaxSegmentBlocks = 65535;
constexpr std::uint64_t kMaxSegmentBytes = 64ULL << 20;
constexpr std::uint64_t kReflinkGranularity = 4096;  // filesystem block of XFS/btrfs reflinks
// ESTIMATED STATUS UPDATE DELAY of a running copy (SPC-4 6.24): a segment of the longest
// kind takes tens of milliseconds, so polling more often shows nothing new.
constexpr std::uint32_t kStatusPollMs = 50;

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
      {scsi::kThirdPartyCopyOut,
       {scsi::kTpcOutExtendedCopyLid1, scsi::kTpcOutExtendedCopyLid4, scsi::kSaCopyOperationAbort}},
      {scsi::kThirdPartyCopyIn,
       {scsi::kRcrCopyStatusLid1, scsi::kRcrCopyDataLid1, scsi::kRcrOperatingParameters,
        scsi::kRcrFailureDetailsLid1, scsi::kRcrCopyStatusLid4, scsi::kRcrCopyDataLid4}}};
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

std::vector<LunEndpoint> CopyManager::endpoints_locked() const {
  std::vector<LunEndpoint> out;
  for (const auto& [lun, e] : endpoints_) out.emplace_back(lun, &e);
  return out;
}

void CopyManager::execute(const ScsiCommand& command, std::uint64_t lun, bool descriptor_sense,
                          ScsiCompletion done) {
  auto cdb = scsi::decode_third_party_copy_cdb(command.cdb);
  if (!cdb) return done(ScsiResponse::check_condition(cdb.error(), descriptor_sense));
  const ItNexus& nexus = *command.nexus;
  const RecordKey key{nexus.initiator_port, nexus.target_port, lun,
                      cdb->list_identifier.value_or(0)};
  const auto unsupported = [&] {
    // POPULATE TOKEN, WRITE USING TOKEN, RRTI, REPORT ALL ROD TOKENS:
    // not offered (VPD 8Fh 0001h does not list them).
    done(ScsiResponse::check_condition(Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4)),
                                       descriptor_sense));
  };
  if (cdb->operation_code == scsi::kThirdPartyCopyOut) {
    scsi::ListIdFormat format = scsi::ListIdFormat::kLid1;
    switch (cdb->service_action) {
      case scsi::kTpcOutExtendedCopyLid1:
        break;
      case scsi::kTpcOutExtendedCopyLid4:
        format = scsi::ListIdFormat::kLid4;
        break;
      case scsi::kSaCopyOperationAbort:
        return copy_operation_abort(key, descriptor_sense, std::move(done));
      default:
        return unsupported();
    }
    bool started = false;
    ScsiResponse response = extended_copy(command, format, cdb->parameter_list_length, lun,
                                          descriptor_sense, done, started);
    if (!started) done(std::move(response));
    return;
  }
  switch (cdb->service_action) {
    case scsi::kRcrCopyStatusLid1:
      return done(copy_status_lid1(key, cdb->allocation_length, descriptor_sense));
    case scsi::kRcrFailureDetailsLid1:
      return done(failure_details(key, cdb->allocation_length, descriptor_sense));
    case scsi::kRcrCopyStatusLid4:
      return done(copy_status_lid4(key, cdb->allocation_length, descriptor_sense));
    case scsi::kRcrCopyDataLid1:
      return done(
          copy_data(key, scsi::ListIdFormat::kLid1, cdb->allocation_length, descriptor_sense));
    case scsi::kRcrCopyDataLid4:
      return done(
          copy_data(key, scsi::ListIdFormat::kLid4, cdb->allocation_length, descriptor_sense));
    case scsi::kRcrOperatingParameters:
      return done(ScsiResponse::with_data(scsi::encode_operating_parameters(limits()),
                                          cdb->allocation_length));
    default:
      return unsupported();
  }
}

ScsiResponse CopyManager::extended_copy(const ScsiCommand& command, scsi::ListIdFormat format,
                                        std::uint32_t parameter_list_length, std::uint64_t lun,
                                        bool descriptor_sense, ScsiCompletion& done,
                                        bool& started) {
  ScsiResponse good;
  good.transfer_length = parameter_list_length;
  if (parameter_list_length == 0) return good;  // SPC-4 6.4.1, 6.5.1: no copy, GOOD
  if (command.data_out.size() < parameter_list_length) {
    return ScsiResponse::check_condition(
        Sense::param_list_length_error().because("Data-Out shorter than PARAMETER LIST LENGTH"),
        descriptor_sense);
  }
  const std::span<const std::uint8_t> parameters =
      std::span(command.data_out).first(parameter_list_length);
  auto list = scsi::decode_extended_copy(parameters, format, limits());
  if (!list) return ScsiResponse::check_condition(list.error(), descriptor_sense);

  std::optional<RecordKey> key;
  if (list->list_id_usage != scsi::ListIdUsage::kNoListId) {
    key = RecordKey{command.nexus->initiator_port, command.nexus->target_port, lun,
                    list->list_identifier};
  }
  const bool background = list->immed;
  const std::size_t segments = list->segments.size();
  std::shared_ptr<CopyJob> job;
  CopyEvent started_event;
  {
    std::lock_guard lock(mutex_);
    const std::uint64_t job_id = next_job_id_++;
    if (auto refused = admit_locked(key, *list, job_id)) {
      return ScsiResponse::check_condition(*refused, descriptor_sense);
    }
    CopyJobRequest request;
    request.owner = shared_from_this();
    request.job_id = job_id;
    request.list = std::move(*list);
    request.lun = lun;
    request.descriptor_sense = descriptor_sense;
    request.transfer_length = parameter_list_length;
    request.endpoints = endpoints_locked();
    if (!background) request.done = std::move(done);
    job = create_copy_job(std::move(request));
    Running& running = running_[job_id];
    running.job = job;
    running.nexus = command.nexus;
    running.lun = lun;
    running.task_tag = command.task_tag;
    running.background = background;
    running.key = key;
    running.started = std::chrono::steady_clock::now();
    CopyEvent& event = running.event;
    event.initiator_port = command.nexus->initiator_port;
    event.lun = lun;
    if (key) event.list_id = key->list_id;
    event.format = format;
    event.background = background;
    event.segments = segments;
    started_event = event;
  }
  if (observer_) observer_(started_event);
  if (background) {
    // SPC-4 6.4.1: IMMED=1 returns GOOD once the parameter list is validated; the copy
    // goes on in the background and RECEIVE COPY STATUS(LID4) reports it.
    done(std::move(good));
  }
  started = true;
  job->start();
  return {};
}

std::optional<Sense> CopyManager::admit_locked(const std::optional<RecordKey>& key,
                                               const scsi::ExtendedCopyList& list,
                                               std::uint64_t job_id) {
  if (!key) return std::nullopt;  // LIST ID USAGE 11b: nothing kept
  auto found = records_.find(*key);
  if (found != records_.end() && found->second.running) {
    // SPC-4 5.17.4.2: a duplicate of an operation still being processed, LID1 or LID4.
    return Sense::operation_in_progress();
  }
  // Bounded status memory per nexus: evict the oldest finished record.
  std::size_t of_nexus = 0;
  auto oldest = records_.end();
  for (auto it = records_.begin(); it != records_.end(); ++it) {
    if (!it->first.same_nexus(*key)) continue;
    ++of_nexus;
    if (!it->second.running &&
        (oldest == records_.end() || it->second.sequence < oldest->second.sequence)) {
      oldest = it;
    }
  }
  if (found == records_.end() && of_nexus >= kMaxRecordsPerNexus) {
    if (oldest == records_.end()) return Sense::insufficient_resources();
    records_.erase(oldest);
  }
  Record record;
  record.format = list.format;
  record.background = list.immed;
  record.job_id = job_id;
  record.sequence = next_sequence_++;
  records_[*key] = record;
  return std::nullopt;
}

void CopyManager::job_finished(std::uint64_t job_id, const CopyOutcome& outcome) {
  std::vector<std::function<void()>> waiting;
  CopyEvent event;
  {
    std::lock_guard lock(mutex_);
    auto running = running_.find(job_id);
    if (running == running_.end()) return;
    waiting = std::move(running->second.when_finished);
    event = running->second.event;
    event.kind = CopyEvent::Kind::kFinished;
    event.outcome = outcome;
    event.elapsed = std::chrono::steady_clock::now() - running->second.started;
    if (running->second.key) {
      auto it = records_.find(*running->second.key);
      // The record may be gone (nexus loss, LU reset) or belong to a later copy.
      if (it != records_.end() && it->second.job_id == job_id) {
        it->second.running = false;
        it->second.outcome = outcome;
      }
    }
    running_.erase(running);
    if (running_.empty()) all_finished_.notify_all();
  }
  if (observer_) observer_(event);
  for (auto& wake : waiting) wake();
}

void CopyManager::copy_operation_abort(const RecordKey& key, bool descriptor_sense,
                                       ScsiCompletion done) {
  std::shared_ptr<CopyJob> job;
  {
    std::lock_guard lock(mutex_);
    auto record = records_.find(key);
    auto running = record == records_.end() || !record->second.running
                       ? running_.end()
                       : running_.find(record->second.job_id);
    if (running != running_.end()) {
      // GOOD once every NVMe command the copy started has completed (SPC-4 6.3).
      running->second.when_finished.push_back(
          [done = std::move(done)]() mutable { done(ScsiResponse::good()); });
      running->second.stop_requested = true;
      job = running->second.job;
    }
  }
  if (!job) {
    // SPC-4 6.3: no copy operation with this LIST IDENTIFIER is being processed. Answered
    // outside mutex_, like every completion.
    return done(ScsiResponse::check_condition(
        Sense::invalid_field_in_cdb(FieldRef::cdb(2)).because("no running copy with that list ID"),
        descriptor_sense));
  }
  job->stop();
}

void CopyManager::stop_where(const std::function<bool(const Running&)>& match,
                             const std::function<bool(const RecordKey&)>& discard) {
  std::vector<std::shared_ptr<CopyJob>> jobs;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, r] : running_) {
      if (!match(r)) continue;
      r.stop_requested = true;
      jobs.push_back(r.job);
    }
    if (discard) std::erase_if(records_, [&](const auto& item) { return discard(item.first); });
  }
  for (const auto& job : jobs) job->stop();  // outside mutex_: a stop may finish at once
}

void CopyManager::abort_task(const ItNexus& nexus, std::uint32_t task_tag) {
  stop_where(
      [&](const Running& r) {
        return !r.background && *r.nexus == nexus && r.task_tag == task_tag;
      },
      nullptr);
}

void CopyManager::abort_task_set(const ItNexus& nexus, std::uint64_t lun) {
  stop_where([&](const Running& r) { return !r.background && *r.nexus == nexus && r.lun == lun; },
             nullptr);
}

void CopyManager::reset(std::optional<std::uint64_t> lun) {
  // SPC-4 5.17.4.5, 6.24: a reset also discards the status of the LU's copies.
  stop_where(
      [&](const Running& r) {
        return !lun || r.lun == *lun || r.job->logical_units().contains(*lun);
      },
      [&](const RecordKey& key) { return !lun || key.lun == *lun; });
}

void CopyManager::nexus_lost(const ItNexus& nexus) {
  // Foreground copies are tasks of the nexus; background ones go on (SPC-4 table 109).
  stop_where([&](const Running& r) { return !r.background && *r.nexus == nexus; },
             [&](const RecordKey& key) {
               return key.initiator_port == nexus.initiator_port &&
                      key.target_port == nexus.target_port;
             });
}

void CopyManager::shutdown() {
  reset(std::nullopt);
  std::unique_lock lock(mutex_);
  all_finished_.wait(lock, [this] { return running_.empty(); });
}

std::size_t CopyManager::running_count() const {
  std::lock_guard lock(mutex_);
  return running_.size();
}

std::size_t CopyManager::stopping_count() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(
      running_.begin(), running_.end(), [](const auto& item) { return item.second.stop_requested; }));
}

CopyProgress CopyManager::progress_locked(const Record& record) const {
  if (!record.running) return record.outcome.progress;
  auto running = running_.find(record.job_id);
  return running == running_.end() ? CopyProgress{} : running->second.job->progress();
}

namespace {

ScsiResponse no_such_list_id(bool descriptor_sense) {
  // SPC-4 6.23, 6.24: no copy with this LIST IDENTIFIER on this I_T nexus -> INVALID
  // FIELD IN CDB at the field (Windows reads it as "wrong path").
  return ScsiResponse::check_condition(
      Sense::invalid_field_in_cdb(FieldRef::cdb(2)).because("no such list identifier"),
      descriptor_sense);
}

}  // namespace

const CopyManager::Record* CopyManager::visible_record_locked(const RecordKey& key,
                                                              scsi::ListIdFormat asked) const {
  auto it = records_.find(key);
  if (it == records_.end()) return nullptr;
  // LID1 service actions see only LID1 records; the LID4 ones see both.
  if (asked == scsi::ListIdFormat::kLid1 && it->second.format != scsi::ListIdFormat::kLid1) {
    return nullptr;
  }
  return &it->second;
}

ScsiResponse CopyManager::copy_status_lid1(const RecordKey& key, std::uint32_t allocation_length,
                                           bool descriptor_sense) {
  std::lock_guard lock(mutex_);
  const Record* found = visible_record_locked(key, scsi::ListIdFormat::kLid1);
  if (found == nullptr) return no_such_list_id(descriptor_sense);
  const Record& record = *found;
  const CopyProgress progress = progress_locked(record);
  scsi::CopyStatusLid1 status;
  status.copy_command_status = record.running ? scsi::CopyCommandStatus::kInProgress
                               : record.outcome.result == CopyOutcome::Result::kCompleted
                                   ? scsi::CopyCommandStatus::kCompletedWithoutErrors
                                   : scsi::CopyCommandStatus::kCompletedWithErrors;
  status.segments_processed = progress.segments_processed;
  const scsi::TransferCount count = scsi::transfer_count_for_bytes(progress.bytes);
  status.transfer_count_units = count.units;
  status.transfer_count = count.count;
  return ScsiResponse::with_data(scsi::encode_copy_status_lid1(status), allocation_length);
}

scsi::CopyStatusLid4 CopyManager::lid4_status_locked(const Record& record) const {
  const CopyProgress progress = progress_locked(record);
  scsi::CopyStatusLid4 status;
  status.response_to_service_action = record.format == scsi::ListIdFormat::kLid4
                                          ? scsi::kTpcOutExtendedCopyLid4
                                          : scsi::kTpcOutExtendedCopyLid1;
  if (record.running) {
    status.copy_operation_status = record.background
                                       ? scsi::CopyOperationStatus::kInProgressBackground
                                       : scsi::CopyOperationStatus::kInProgressForeground;
  } else {
    switch (record.outcome.result) {
      case CopyOutcome::Result::kCompleted:
        status.copy_operation_status = scsi::CopyOperationStatus::kCompleted;
        status.extended_copy_completion_status = scsi::Status::kGood;
        break;
      case CopyOutcome::Result::kCompletedWithErrors:
        status.copy_operation_status = scsi::CopyOperationStatus::kCompletedWithErrors;
        status.extended_copy_completion_status = scsi::Status::kCheckCondition;
        break;
      case CopyOutcome::Result::kTerminated:
        status.copy_operation_status = scsi::CopyOperationStatus::kTerminated;
        status.extended_copy_completion_status = scsi::Status::kTaskAborted;
        break;
    }
    if (record.outcome.sense) status.sense_data = scsi::encode_fixed(*record.outcome.sense);
  }
  status.operation_counter = progress.operation_counter;
  status.estimated_status_update_delay =
      scsi::estimated_status_update_delay(status.copy_operation_status, kStatusPollMs);
  // LID4 has a 64-bit count: exact bytes, no rounding to a bigger unit.
  status.transfer_count_units = scsi::TransferCountUnits::kBytes;
  status.transfer_count = progress.bytes;
  status.segments_processed = progress.segments_processed;
  return status;
}

ScsiResponse CopyManager::copy_status_lid4(const RecordKey& key, std::uint32_t allocation_length,
                                           bool descriptor_sense) {
  std::lock_guard lock(mutex_);
  const Record* record = visible_record_locked(key, scsi::ListIdFormat::kLid4);
  if (record == nullptr) return no_such_list_id(descriptor_sense);
  return ScsiResponse::with_data(scsi::encode_copy_status_lid4(lid4_status_locked(*record)),
                                 allocation_length);
}

// RECEIVE COPY DATA (SPC-4 6.18, 6.19): no segment type that holds data (0Bh-0Fh) is
// executed and HELD DATA LIMIT is 0, so there is never held data to return, and so none
// discarded (HDD 0). The list ID must still name a copy of this nexus and LU.
ScsiResponse CopyManager::copy_data(const RecordKey& key, scsi::ListIdFormat format,
                                    std::uint32_t allocation_length, bool descriptor_sense) {
  std::lock_guard lock(mutex_);
  const Record* record = visible_record_locked(key, format);
  if (record == nullptr) return no_such_list_id(descriptor_sense);
  if (format == scsi::ListIdFormat::kLid1) {
    return ScsiResponse::with_data(scsi::encode_copy_data_lid1({}), allocation_length);
  }
  scsi::CopyDataLid4 data;
  data.status = lid4_status_locked(*record);
  return ScsiResponse::with_data(scsi::encode_copy_data_lid4(data), allocation_length);
}

ScsiResponse CopyManager::failure_details(const RecordKey& key, std::uint32_t allocation_length,
                                          bool descriptor_sense) {
  std::lock_guard lock(mutex_);
  const Record* record = visible_record_locked(key, scsi::ListIdFormat::kLid1);
  if (record == nullptr) return no_such_list_id(descriptor_sense);
  std::optional<scsi::CopyFailureDetailsLid1> details;
  if (!record->running && record->outcome.sense) {
    details = scsi::CopyFailureDetailsLid1{scsi::Status::kCheckCondition,
                                           scsi::encode_fixed(*record->outcome.sense)};
  }
  return ScsiResponse::with_data(scsi::encode_failure_details_lid1(details), allocation_length);
}

}  // namespace xg::translate
