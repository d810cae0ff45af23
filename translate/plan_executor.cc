#include "translate/plan_executor.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "nvme/copy_command.h"
#include "nvme/device.h"
#include "nvme/io_commands.h"
#include "nvme/spec.h"
#include "translate/copy_retry.h"

namespace xg::translate {
namespace {

// Data mover I/O size when neither device states a maximum.
constexpr std::uint64_t kMoverChunkBlocks = PlanOptions{}.mover_chunk_blocks;

// Which side a failure came from: Unrecovered Read Error and the end-to-end checks on the
// data read (NVM Command Set 1.0, Figure "Status Code - Media and Data Integrity Errors
// Values", 81h-84h) are the source's; everything else the destination's.
bool read_side_status(const nvme::Status& status) {
  return status.type() == nvme::StatusCodeType::kMediaAndDataIntegrity &&
         status.sc >= nvme::kScUnrecoveredReadError &&
         status.sc <= nvme::kScEndToEndReferenceTagCheckError;
}

// The destination LBA of range `k` of a step (its ranges are destination-contiguous).
std::uint64_t destination_of(const PlanStep& step, std::size_t k) {
  std::uint64_t lba = step.destination_lba;
  for (std::size_t i = 0; i < k; ++i) lba += step.ranges[i].blocks;
  return lba;
}

}  // namespace

PlanExecutor::PlanExecutor(CopyPlan plan, Namespaces namespaces,
                           std::shared_ptr<PlanServices> services, std::uint64_t id,
                           Finished finished)
    : plan_(std::move(plan)),
      namespaces_(std::move(namespaces)),
      services_(std::move(services)),
      id_(id),
      finished_(std::move(finished)),
      steps_(plan_.steps.size()) {
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    steps_[i].mover = plan_.steps[i].kind == PlanStep::Kind::kMove;
  }
}

void PlanExecutor::start() { launch(); }

void PlanExecutor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  // Steps still waiting for a device slot will never be sent. A grant that raced with
  // this sees stopped_ and completes unsent, so every step is counted exactly once.
  const std::size_t dropped = services_->scheduler().cancel(id_);
  {
    std::lock_guard lock(mutex_);
    in_flight_ -= dropped;
  }
  launch();  // finishes now when nothing is in flight
}

PlanProgress PlanExecutor::progress() const {
  std::lock_guard lock(mutex_);
  return progress_locked();
}

// Asks the scheduler for a device slot for every step the window allows; a step is
// submitted when its slot is granted, and keeps it through its retries. The window is a
// device's whole share (CopyScheduler::kSlotsPerDevice): one plan alone may use it all.
void PlanExecutor::launch() {
  std::vector<std::size_t> to_request;
  Finished finished;
  PlanResult result;
  {
    std::lock_guard lock(mutex_);
    while (!failure_ && !stopped_ && next_ < plan_.steps.size() &&
           in_flight_ < CopyScheduler::kSlotsPerDevice) {
      if (plan_.steps[next_].barrier && in_flight_ > 0) break;
      to_request.push_back(next_++);
      ++in_flight_;
    }
    if (in_flight_ == 0 && (failure_ || stopped_ || next_ == plan_.steps.size()) && finished_) {
      // The outcome is read here, under the lock, once: a stop() racing with the end
      // changes nothing that was reported.
      finished = std::exchange(finished_, nullptr);
      result.progress = progress_locked();
      result.failure = failure_;
      result.stopped = stopped_;
    }
  }
  CopyScheduler& scheduler = services_->scheduler();
  for (std::size_t step : to_request) {
    scheduler.acquire(slot_device(step), id_,
                      [self = shared_from_this(), step] { self->issue(step); });
  }
  if (finished) finished(result);
}

// The device a step's first command goes to: the one whose queue its slot stands for.
const nvme::Device* PlanExecutor::slot_device(std::size_t index) const {
  const PlanStep& step = plan_.steps[index];
  const std::uint32_t first =
      step.kind == PlanStep::Kind::kCopy ? step.destination : step.ranges.front().source;
  return namespaces_.at(first)->device;
}

// Sends the rest of a step: its first time, or a retry. Submitting under mutex_ makes
// stop() a clean cut: once it has set stopped_, no command starts (Device::submit never
// runs the handler inline).
void PlanExecutor::issue(std::size_t index) {
  bool sent = false;
  {
    std::lock_guard lock(mutex_);
    sent = !stopped_ && submit_locked(index);
  }
  if (!sent) step_ended(index, nvme::Status::internal_error(), false);
}

// Submits one command for the step's remaining work; false if it could not be built.
bool PlanExecutor::submit_locked(std::size_t index) {
  return steps_[index].mover ? submit_move_locked(index) : submit_copy_locked(index);
}

bool PlanExecutor::submit_copy_locked(std::size_t index) {
  const PlanStep& step = plan_.steps[index];
  const StepState& state = steps_[index];
  const CopyEndpoint* dst = namespaces_.at(step.destination);
  std::vector<nvme::SourceRange> ranges;
  for (std::size_t k = state.done_ranges; k < step.ranges.size(); ++k) {
    const PlannedRange& r = step.ranges[k];
    nvme::SourceRange range;
    range.slba = r.source_lba;
    range.nlb = static_cast<std::uint16_t>(r.blocks - 1);  // 0's based
    if (step.descriptor_format == 2) range.snsid = namespaces_.at(r.source)->nsid;
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
        // Dword 0 of a failed Copy: the ranges before it are done (NVM Command Set 1.0
        // 3.2.2, Copy command completion).
        const auto progress = nvme::copy_progress(c.status, c.dw0, ranges);
        self->copy_completed(index, base, c.status, progress.ranges_copied);
      });
  return true;
}

// The data mover: the next chunk of the step's current range, read then written, at most
// one MDTS (or mover chunk) of memory.
bool PlanExecutor::submit_move_locked(std::size_t index) {
  const PlanStep& step = plan_.steps[index];
  const StepState& state = steps_[index];
  const PlannedRange& r = step.ranges[state.done_ranges];
  const CopyEndpoint* src = namespaces_.at(r.source);
  const CopyEndpoint* dst = namespaces_.at(step.destination);
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
  src->device->submit({*read, *buffer}, [self = shared_from_this(), index, buffer,
                                         write_sqe = *write, blocks](const nvme::Completion& c) {
    self->read_completed(index, buffer, write_sqe, blocks, c.status);
  });
  return true;
}

void PlanExecutor::read_completed(std::size_t index,
                                  std::shared_ptr<std::vector<std::uint8_t>> buffer,
                                  const nvme::SubmissionEntry& write, std::uint32_t blocks,
                                  const nvme::Status& status) {
  if (!status.ok()) return recover(index, status, false, true);
  const CopyEndpoint* dst = namespaces_.at(plan_.steps[index].destination);
  bool sent = false;
  {
    std::lock_guard lock(mutex_);
    ++operation_counter_;
    if (!stopped_) {  // the write is a new command: not after a stop
      sent = true;
      dst->device->submit({write, *buffer},
                          [self = shared_from_this(), index, buffer, blocks](
                              const nvme::Completion& w) { self->moved(index, blocks, w.status); });
    }
  }
  if (!sent) step_ended(index, nvme::Status::internal_error(), false);
}

void PlanExecutor::copy_completed(std::size_t index, std::size_t base, const nvme::Status& status,
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

void PlanExecutor::moved(std::size_t index, std::uint32_t blocks, const nvme::Status& status) {
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

// A command of the step failed: retry, switch to the data mover, or end the step with the
// failure (copy_retry.h has the rules). The slot stays with the step meanwhile.
void PlanExecutor::recover(std::size_t index, const nvme::Status& status, bool copy_command,
                           bool read_side) {
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
            const CopyEndpoint* e = namespaces_.at(plan_.steps[index].destination);
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
    services_->retry_timer().run_after(*delay,
                                       [self = shared_from_this(), index] { self->issue(index); });
    return;
  }
  if (again) return issue(index);
  step_ended(index, status, read_side);
}

// The step is over (all done, or failed for good): give back its slot, go on.
void PlanExecutor::step_ended(std::size_t index, const nvme::Status& status, bool read_side) {
  services_->scheduler().release(slot_device(index));  // outside mutex_: it may grant
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
    // After stop() a failing command is one the stop cut short (held, aborted): the
    // outcome is the stop, with the progress the commands made.
    if (!status.ok() && !failure_ && !stopped_) {
      failure_ = PlanFailure{status, read_side || read_side_status(status)};
    }
  }
  launch();
}

// Per extent: the blocks copied contiguously from its start (only data written in order
// counts: SPC-4 6.24 for EXTENDED COPY, SBC-4 5.59 for WRITE USING TOKEN). One pass over
// the plan.
PlanProgress PlanExecutor::progress_locked() const {
  std::map<std::uint16_t, std::vector<std::pair<std::uint64_t, std::uint64_t>>> pieces;
  for (std::size_t i = 0; i < plan_.steps.size(); ++i) {
    const auto& ranges = plan_.steps[i].ranges;
    for (std::size_t k = 0; k < ranges.size(); ++k) {
      auto& of_extent = pieces[ranges[k].segment];  // planned, even if not done
      if (k < steps_[i].done_ranges) {
        of_extent.emplace_back(ranges[k].segment_offset, ranges[k].blocks);
      } else if (k == steps_[i].done_ranges && steps_[i].partial_blocks > 0) {
        of_extent.emplace_back(ranges[k].segment_offset, steps_[i].partial_blocks);
      }
    }
  }
  PlanProgress progress;
  progress.operation_counter = operation_counter_;
  for (auto& [extent, done] : pieces) {
    std::sort(done.begin(), done.end());
    std::uint64_t prefix = 0;
    for (const auto& [offset, blocks] : done) {
      if (offset > prefix) break;
      prefix = std::max(prefix, offset + blocks);
    }
    progress.done_prefixes[extent] = prefix;
  }
  return progress;
}

}  // namespace xg::translate
