#include "translate/copy_job.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>
#include <variant>

#include "nvme/copy_command.h"
#include "nvme/device.h"
#include "nvme/io_commands.h"
#include "translate/copy_retry.h"
#include "translate/copy_scheduler.h"
#include "translate/status_map.h"

namespace xg::translate {
namespace {

using scsi::FieldRef;
using scsi::Sense;

// NVMe commands one copy keeps in flight (SPDK's bdev layer uses 8 children).
constexpr std::size_t kMaxInFlight = 8;
// Data mover I/O size when neither device states a maximum (PlanOptions' default).
constexpr std::uint64_t kMoverChunkBlocks = 2048;
// SPC-4 table 146: FFFFh names the logical unit that received the command.
constexpr std::uint16_t kThisLu = 0xFFFF;
// Offsets in a segment descriptor (SPC-4 6.4.6.1): SOURCE and DESTINATION CSCD
// DESCRIPTOR ID.
constexpr std::size_t kSourceIdOffset = 4;
constexpr std::size_t kDestinationIdOffset = 6;

// nvme-copy.md §9.3: which side a failure came from. Read errors and protection
// information checks on the read are the source's; everything else the destination's.
bool read_side_status(const nvme::Status& status) {
  return status.sct == 2 && status.sc >= 0x81 && status.sc <= 0x84;
}

scsi::ForwardedSense forwarded(const Sense& sense, bool source) {
  scsi::ForwardedSense f;
  f.source = source ? scsi::ForwardedSense::Source::kCopySource
                    : scsi::ForwardedSense::Source::kCopyDestination;
  f.status = static_cast<std::uint8_t>(scsi::Status::kCheckCondition);
  f.sense = scsi::encode_fixed(sense);
  return f;
}

class NvmeCopyJob final : public CopyJob, public std::enable_shared_from_this<NvmeCopyJob> {
 public:
  explicit NvmeCopyJob(CopyJobRequest request) : request_(std::move(request)) {
    resolve();
    plan_ = plan_copy(extents_, namespaces_);
    steps_.resize(plan_.steps.size());
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      steps_[i].mover = plan_.steps[i].kind == PlanStep::Kind::kMove;
    }
    logical_units_.insert(request_.lun);
    for (const auto& [id, e] : by_id_) logical_units_.insert(id);
  }

  void start() override { launch(); }

  void stop() override {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    // Steps still waiting for a device slot will never be sent. A grant that raced with
    // this sees stopped_ and completes unsent, so every step is counted exactly once.
    const std::size_t dropped = request_.manager->scheduler().cancel(request_.job_id);
    {
      std::lock_guard lock(mutex_);
      in_flight_ -= dropped;
    }
    launch();  // finishes now when nothing is in flight
  }

  CopyProgress progress() const override {
    std::lock_guard lock(mutex_);
    return measure().progress;
  }

  const std::set<std::uint64_t>& logical_units() const override { return logical_units_; }

 private:
  struct Failure {
    nvme::Status status;
    bool read_side = false;
  };
  // How far one plan step got, and how it is being carried out.
  struct StepState {
    std::size_t done_ranges = 0;       // leading ranges done
    std::uint64_t partial_blocks = 0;  // blocks done of range done_ranges (data mover)
    int retries = 0;                   // kRetryLater attempts (per data mover chunk)
    bool retried_once = false;         // the kRetryOnce retry is used
    bool mover = false;                // the rest goes by Read and Write
  };
  // Progress, and where it ends: extents_[first_incomplete] has `partial` blocks done
  // (first_incomplete == extents_.size() when every resolved segment is done).
  struct Measured {
    CopyProgress progress;
    std::size_t first_incomplete = 0;
    std::uint64_t partial = 0;
  };
  // How the copy ended, read under mutex_ by the launch() that saw it end.
  struct Ended {
    Measured measured;
    std::optional<Failure> failure;
    bool stopped = false;
  };

  // ---- Resolution (SPC-4 5.17.7.4: errors here abort at this segment) ----

  const CopyEndpoint* resolve_cscd(const scsi::SegmentDescriptor& segment, bool source,
                                   std::uint64_t& lun) {
    const std::uint16_t id =
        source ? segment.source_cscd_descriptor_id : segment.destination_cscd_descriptor_id;
    const FieldRef id_field =
        FieldRef::param(segment.offset + (source ? kSourceIdOffset : kDestinationIdOffset));
    if (id == kThisLu) {
      lun = request_.lun;
      for (const auto& [candidate_lun, e] : request_.endpoints) {
        if (candidate_lun == request_.lun) return e;
      }
    }
    const scsi::ExtendedCopyList& list = request_.list;
    if (id >= list.cscds.size()) {
      abort_ = Sense::copy_target_not_reachable(segment.index, id_field)
                   .because("CSCD descriptor ID beyond the CSCD list");
      return nullptr;
    }
    const scsi::CscdDescriptor& cscd = list.cscds[id];
    const FieldRef cscd_field = FieldRef::param(cscd.offset);
    const auto* identification = std::get_if<scsi::IdentificationCscd>(&cscd.body);
    if (cscd.nul || identification == nullptr) {
      abort_ = Sense::copy_target_not_reachable(segment.index, cscd_field)
                   .because(cscd.nul ? "CSCD with the NUL bit" : "CSCD is not E4h");
      return nullptr;
    }
    for (const auto& [candidate_lun, e] : request_.endpoints) {
      for (const auto& published : e->designators) {
        if (!scsi::cscd_names(identification->designator, published)) continue;
        const std::uint32_t length = cscd.device_parameters.disk_block_length;
        if (length != 0 && length != e->block_size) {
          abort_ = Sense::incorrect_copy_target_device_type(segment.index,
                                                            FieldRef::param(cscd.offset + 29))
                       .because("DISK BLOCK LENGTH differs from the LU's block size");
          return nullptr;
        }
        lun = candidate_lun;
        return e;
      }
    }
    abort_ = Sense::copy_target_not_reachable(segment.index, cscd_field)
                 .because("no logical unit of this target has that designator");
    return nullptr;
  }

  // Builds extents for the segments up to the first that cannot be processed.
  void resolve() {
    for (const auto& segment : request_.list.segments) {
      const auto* b2b = std::get_if<scsi::BlockToBlock>(&segment.body);
      if (b2b == nullptr) {  // the decoder refuses other types; kept as a guard
        abort_ = Sense::copy_aborted(segment.index, 0x26, 0x09);
        break;
      }
      std::uint64_t source_lun = 0, destination_lun = 0;
      const CopyEndpoint* src = resolve_cscd(segment, true, source_lun);
      if (src == nullptr) break;
      const CopyEndpoint* dst = resolve_cscd(segment, false, destination_lun);
      if (dst == nullptr) break;
      if (src->block_size != dst->block_size) {
        abort_ = Sense::incorrect_copy_target_device_type(
                     segment.index, FieldRef::param(segment.offset + kDestinationIdOffset))
                     .because("source and destination block sizes differ");
        break;
      }
      const std::uint64_t blocks = b2b->block_device_number_of_blocks;
      const std::uint64_t src_lba = b2b->source_block_device_logical_block_address;
      const std::uint64_t dst_lba = b2b->destination_block_device_logical_block_address;
      const bool src_bad = src_lba > src->blocks || blocks > src->blocks - src_lba;
      const bool dst_bad = dst_lba > dst->blocks || blocks > dst->blocks - dst_lba;
      if (src_bad || dst_bad) {
        Sense sense = Sense::copy_aborted(segment.index, 0x00, 0x00);
        sense.forwarded.push_back(forwarded(Sense::lba_out_of_range(), src_bad));
        abort_ = std::move(sense).because("segment range outside the logical unit");
        break;
      }
      add_namespace(source_lun, *src);
      add_namespace(destination_lun, *dst);
      extents_.push_back(CopyExtent{segment.index, static_cast<std::uint32_t>(source_lun), src_lba,
                                    static_cast<std::uint32_t>(destination_lun), dst_lba, blocks});
      resolved_segments_ = segment.index + 1U;
    }
  }

  void add_namespace(std::uint64_t lun, const CopyEndpoint& e) {
    if (by_id_.contains(static_cast<std::uint32_t>(lun))) return;
    by_id_[static_cast<std::uint32_t>(lun)] = &e;
    namespaces_.push_back(e.plan);
  }

  // ---- Execution ----

  // Asks the target's scheduler for a device slot for every step the window allows; a
  // step is submitted when its slot is granted, and keeps it through its retries.
  void launch() {
    std::vector<std::size_t> to_request;
    std::optional<Ended> ended;
    {
      std::lock_guard lock(mutex_);
      while (!failure_ && !stopped_ && next_ < plan_.steps.size() && in_flight_ < kMaxInFlight) {
        if (plan_.steps[next_].barrier && in_flight_ > 0) break;
        to_request.push_back(next_++);
        ++in_flight_;
      }
      if (in_flight_ == 0 && (failure_ || stopped_ || next_ == plan_.steps.size()) &&
          !answered_) {
        answered_ = true;
        // Read once, here: stop() may still run (task management, another thread) and
        // writes stopped_ under mutex_ while the answer is being built.
        ended = Ended{measure(), failure_, stopped_};
      }
    }
    CopyScheduler& scheduler = request_.manager->scheduler();
    for (std::size_t step : to_request) {
      scheduler.acquire(slot_device(step), request_.job_id,
                        [self = shared_from_this(), step] { self->issue(step); });
    }
    if (ended) finish(*ended);
  }

  // The device a step's first command goes to: the one whose queue its slot stands for.
  const nvme::Device* slot_device(std::size_t index) const {
    const PlanStep& step = plan_.steps[index];
    const std::uint32_t first =
        step.kind == PlanStep::Kind::kCopy ? step.destination : step.ranges.front().source;
    return by_id_.at(first)->device;
  }

  // Sends the rest of a step: its first time, or a retry. Submitting under mutex_ makes
  // stop() a clean cut: once it has set stopped_, no command starts (Device::submit never
  // runs the handler inline).
  void issue(std::size_t index) {
    bool sent = false;
    {
      std::lock_guard lock(mutex_);
      sent = !stopped_ && submit_locked(index);
    }
    if (!sent) step_ended(index, nvme::Status::internal_error(), false);
  }

  // The destination LBA of range `k` of a step (its ranges are destination-contiguous).
  static std::uint64_t destination_of(const PlanStep& step, std::size_t k) {
    std::uint64_t lba = step.destination_lba;
    for (std::size_t i = 0; i < k; ++i) lba += step.ranges[i].blocks;
    return lba;
  }

  // Submits one command for the step's remaining work; false if it could not be built.
  bool submit_locked(std::size_t index) {
    const PlanStep& step = plan_.steps[index];
    const StepState& state = steps_[index];
    if (state.mover) return submit_move_locked(index);
    const CopyEndpoint* dst = by_id_.at(step.destination);
    std::vector<nvme::SourceRange> ranges;
    for (std::size_t k = state.done_ranges; k < step.ranges.size(); ++k) {
      const PlannedRange& r = step.ranges[k];
      nvme::SourceRange range;
      range.slba = r.source_lba;
      range.nlb = static_cast<std::uint16_t>(r.blocks - 1);  // 0's based
      if (step.descriptor_format == 2) range.snsid = by_id_.at(r.source)->nsid;
      ranges.push_back(range);
    }
    nvme::CopyCommand command;
    command.nsid = dst->nsid;
    command.sdlba = destination_of(step, state.done_ranges);
    command.desfmt = step.descriptor_format;
    auto request = nvme::build_copy(command, ranges);
    if (!request) return false;
    auto descriptors = std::make_shared<std::vector<std::uint8_t>>(request->descriptors);
    const std::size_t base = state.done_ranges;
    dst->device->submit(
        {request->sqe, *descriptors},
        [self = shared_from_this(), index, base, descriptors, ranges](const nvme::Completion& c) {
          // DW0 of a failed Copy: the ranges before it are done (nvme-copy.md §8.3 step 6).
          const auto progress = nvme::copy_progress(c.status, c.dw0, ranges);
          self->copy_completed(index, base, c.status, progress.ranges_copied);
        });
    return true;
  }

  // The data mover: the next chunk of the step's current range, read then written, at
  // most one MDTS (or mover chunk) of memory.
  bool submit_move_locked(std::size_t index) {
    const PlanStep& step = plan_.steps[index];
    const StepState& state = steps_[index];
    const PlannedRange& r = step.ranges[state.done_ranges];
    const CopyEndpoint* src = by_id_.at(r.source);
    const CopyEndpoint* dst = by_id_.at(step.destination);
    std::uint64_t chunk = r.blocks - state.partial_blocks;
    for (const CopyEndpoint* e : {src, dst}) {
      const std::uint32_t limit = e->plan.max_transfer_blocks;
      chunk = std::min<std::uint64_t>(chunk, limit != 0 ? limit : kMoverChunkBlocks);
    }
    const auto blocks = static_cast<std::uint32_t>(chunk);
    auto buffer =
        std::make_shared<std::vector<std::uint8_t>>(std::size_t{blocks} * src->block_size);
    auto read = nvme::build_read(src->nsid, r.source_lba + state.partial_blocks, blocks);
    auto write = nvme::build_write(
        dst->nsid, destination_of(step, state.done_ranges) + state.partial_blocks, blocks);
    if (!read || !write) return false;
    const nvme::SubmissionEntry write_sqe = *write;
    auto self = shared_from_this();
    src->device->submit(
        {*read, *buffer}, [self, index, buffer, dst, write_sqe, blocks](const nvme::Completion& c) {
          if (!c.status.ok()) return self->recover(index, c.status, false, true);
          bool sent = false;
          {
            std::lock_guard lock(self->mutex_);
            ++self->operation_counter_;
            if (!self->stopped_) {  // the write is a new command: not after a stop
              sent = true;
              dst->device->submit({write_sqe, *buffer},
                                  [self, index, buffer, blocks](const nvme::Completion& w) {
                                    self->moved(index, blocks, w.status);
                                  });
            }
          }
          if (!sent) self->step_ended(index, nvme::Status::internal_error(), false);
        });
    return true;
  }

  void copy_completed(std::size_t index, std::size_t base, const nvme::Status& status,
                      std::size_t ranges_copied) {
    {
      std::lock_guard lock(mutex_);
      StepState& state = steps_[index];
      state.done_ranges = status.ok() ? plan_.steps[index].ranges.size() : base + ranges_copied;
      if (status.ok()) ++operation_counter_;
    }
    if (status.ok()) return step_ended(index, status, false);
    recover(index, status, true, false);
  }

  void moved(std::size_t index, std::uint32_t blocks, const nvme::Status& status) {
    if (!status.ok()) return recover(index, status, false, false);
    bool more = false;
    {
      std::lock_guard lock(mutex_);
      ++operation_counter_;
      StepState& state = steps_[index];
      state.partial_blocks += blocks;
      state.retries = 0;  // the budget is per chunk
      if (state.partial_blocks == plan_.steps[index].ranges[state.done_ranges].blocks) {
        ++state.done_ranges;
        state.partial_blocks = 0;
      }
      more = state.done_ranges < plan_.steps[index].ranges.size();
    }
    if (more) return issue(index);
    step_ended(index, status, false);
  }

  // A command of the step failed: retry, switch to the data mover, or end the step with
  // the failure (nvme-copy.md §8.3 step 7). The slot stays with the step meanwhile.
  void recover(std::size_t index, const nvme::Status& status, bool copy_command, bool read_side) {
    std::optional<std::chrono::milliseconds> delay;
    bool again = false;
    {
      std::lock_guard lock(mutex_);
      StepState& state = steps_[index];
      if (!stopped_) {
        switch (copy_recovery(status, copy_command)) {
          case CopyRecovery::kRetryLater:
            if (state.retries < kMaxCopyRetries) {
              ++state.retries;
              const CopyEndpoint* e = by_id_.at(plan_.steps[index].destination);
              delay = copy_retry_delay(state.retries, status, e->command_retry_delay_times);
            }
            break;
          case CopyRecovery::kRetryOnce:
            if (!state.retried_once) {
              state.retried_once = true;
              again = true;
            } else if (copy_command) {
              state.mover = true;
              again = true;
            }
            break;
          case CopyRecovery::kDataMover:
            state.mover = true;
            again = true;
            break;
          case CopyRecovery::kFail:
            break;
        }
      }
    }
    if (delay) {
      request_.manager->retry_timer().run_after(
          *delay, [self = shared_from_this(), index] { self->issue(index); });
      return;
    }
    if (again) return issue(index);
    step_ended(index, status, read_side);
  }

  // The step is over (all done, or failed for good): give back its slot, go on.
  void step_ended(std::size_t index, const nvme::Status& status, bool read_side) {
    request_.manager->scheduler().release(slot_device(index));  // outside mutex_: it may grant
    {
      std::lock_guard lock(mutex_);
      --in_flight_;
      // After stop() a failing command is one the stop cut short (held, aborted): the
      // outcome is the stop, with the progress the commands made.
      if (!status.ok() && !failure_ && !stopped_) {
        failure_ = Failure{status, read_side || read_side_status(status)};
      }
    }
    launch();
  }

  // Per segment: the blocks copied contiguously from its start (SPC-4 6.25: only data
  // written in order counts), or nullopt for a segment the plan has nothing for (zero
  // blocks, or copied onto itself: done by definition). One pass over the plan.
  std::map<std::uint16_t, std::uint64_t> done_prefixes() const {
    std::map<std::uint16_t, std::vector<std::pair<std::uint64_t, std::uint64_t>>> pieces;
    for (std::size_t i = 0; i < plan_.steps.size(); ++i) {
      const auto& ranges = plan_.steps[i].ranges;
      for (std::size_t k = 0; k < ranges.size(); ++k) {
        auto& of_segment = pieces[ranges[k].segment];  // planned, even if not done
        if (k < steps_[i].done_ranges) {
          of_segment.emplace_back(ranges[k].segment_offset, ranges[k].blocks);
        } else if (k == steps_[i].done_ranges && steps_[i].partial_blocks > 0) {
          of_segment.emplace_back(ranges[k].segment_offset, steps_[i].partial_blocks);
        }
      }
    }
    std::map<std::uint16_t, std::uint64_t> prefixes;
    for (auto& [segment, done] : pieces) {
      std::sort(done.begin(), done.end());
      std::uint64_t prefix = 0;
      for (const auto& [offset, blocks] : done) {
        if (offset > prefix) break;
        prefix = std::max(prefix, offset + blocks);
      }
      prefixes[segment] = prefix;
    }
    return prefixes;
  }

  // Called with mutex_ held.
  Measured measure() const {
    Measured m;
    m.progress.operation_counter = operation_counter_;
    const auto prefixes = done_prefixes();
    for (; m.first_incomplete < extents_.size(); ++m.first_incomplete) {
      const CopyExtent& e = extents_[m.first_incomplete];
      // Zero-block and onto-itself segments are planned as nothing and are done.
      const auto found = prefixes.find(e.segment);
      const std::uint64_t done = found != prefixes.end() ? found->second : e.blocks;
      const std::uint32_t block_size = by_id_.at(e.destination)->block_size;
      if (done < e.blocks) {
        m.partial = done;
        m.progress.bytes += done * block_size;
        break;
      }
      m.progress.bytes += e.blocks * block_size;
      m.progress.segments_processed = static_cast<std::uint16_t>(e.segment + 1);
    }
    return m;
  }

  void finish(const Ended& ended) {
    const Measured& m = ended.measured;
    const bool all_done = m.first_incomplete == extents_.size();
    CopyOutcome outcome;
    outcome.progress = m.progress;
    if (ended.failure) {
      const CopyExtent& failed = extents_.at(m.first_incomplete);
      Sense s = Sense::third_party_device_failure(failed.segment);
      const TranslatedStatus translated = translate_status(ended.failure->status);
      if (translated.sense)
        s.forwarded.push_back(forwarded(*translated.sense, ended.failure->read_side));
      if (m.partial > 0) s.information = failed.blocks - m.partial;
      outcome.result = CopyOutcome::Result::kCompletedWithErrors;
      outcome.sense = std::move(s).because("NVMe " + nvme::describe(ended.failure->status));
    } else if (ended.stopped && (!all_done || abort_)) {
      // SPC-4 6.3: COMMANDS CLEARED BY DEVICE SERVER at the segment it stopped in.
      const std::uint16_t at = all_done ? resolved_segments_ : extents_[m.first_incomplete].segment;
      Sense s = Sense::commands_cleared_by_device_server(at);
      if (!all_done && m.partial > 0)
        s.information = extents_[m.first_incomplete].blocks - m.partial;
      outcome.result = CopyOutcome::Result::kTerminated;
      outcome.sense = std::move(s).because("the copy was stopped");
    } else if (abort_) {
      outcome.progress.segments_processed = resolved_segments_;
      outcome.result = CopyOutcome::Result::kCompletedWithErrors;
      outcome.sense = abort_;
    }
    request_.manager->finish(request_.job_id, outcome);
    // Taken out of the job: the completion holds the transport's connection, which must
    // not live on inside a job whose last reference may drop on a device thread late.
    ScsiCompletion done = std::exchange(request_.done, nullptr);
    if (!done) return;  // a background copy: RECEIVE COPY STATUS(LID4) tells
    ScsiResponse response;
    if (outcome.sense) {
      response = ScsiResponse::check_condition(*outcome.sense, request_.descriptor_sense);
    } else if (request_.list.g_sense) {
      // SPC-4 6.4.1: G_SENSE=1 -> GOOD with COMPLETED 00/20 and the segments processed.
      response.sense = scsi::encode_sense(
          Sense::completed_extended_copy_information(outcome.progress.segments_processed),
          request_.descriptor_sense);
    }
    response.transfer_length = request_.transfer_length;
    done(std::move(response));
  }

  CopyJobRequest request_;
  std::set<std::uint64_t> logical_units_;

  std::vector<CopyExtent> extents_;
  std::vector<PlanNamespace> namespaces_;
  std::map<std::uint32_t, const CopyEndpoint*> by_id_;
  std::optional<Sense> abort_;  // the segment that could not be processed
  std::uint16_t resolved_segments_ = 0;
  CopyPlan plan_;

  mutable std::mutex mutex_;  // after the manager's (CopyManager::progress_locked)
  bool stopped_ = false;
  std::uint16_t operation_counter_ = 0;  // wraps, as OPERATION COUNTER does
  std::size_t next_ = 0;
  std::size_t in_flight_ = 0;
  std::vector<StepState> steps_;
  std::optional<Failure> failure_;
  bool answered_ = false;
};

}  // namespace

std::shared_ptr<CopyJob> create_copy_job(CopyJobRequest request) {
  return std::make_shared<NvmeCopyJob>(std::move(request));
}

}  // namespace xg::translate
