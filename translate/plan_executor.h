// The plan executor: runs the steps of a translate::CopyPlan (copy_plan.h) on NVMe devices
// and tells how far they got. It knows plans, namespaces and NVMe statuses, nothing of
// the SCSI command that asked for the copy: EXTENDED COPY (copy_job.cc) runs on it, and
// WRITE USING TOKEN will.
//
//   - Window: at most CopyScheduler::kSlotsPerDevice steps in flight, each holding one of
//     its device's copy slots (copy_scheduler.h) from its first command to its end,
//     retries included; a barrier step starts only when every earlier step has ended.
//   - A Copy step is one NVMe Copy (NVM Command Set 1.0 3.2.2); a move step is the data
//     mover, Read then Write in chunks of at most MDTS (or PlanOptions' mover chunk).
//   - Failures (translate/copy_retry.h): transient statuses retried from the first range
//     the failed Copy's Dword 0 names, after a delay on the owner's retry timer; QEMU
//     7.2's Internal Error retried once; limit and format errors moved by Read and Write;
//     anything else ends the plan with that status (no new step starts, the ones in
//     flight finish).
//   - stop(): no NVMe command is submitted after it returns; steps waiting for a slot
//     are dropped; the plan ends once the commands in flight have completed.
//   - Progress is counted per extent (PlannedRange::segment): the blocks done
//     contiguously from its start, including a failed Copy's completed ranges (Dword 0)
//     and the data mover's completed chunks.
//
// Threading: start(), stop() and progress() may be called from any thread; completions
// arrive on device threads and the retry timer's thread. One mutex guards the execution
// state; it is never held while the scheduler runs a grant or while `finished` runs, and
// it comes after the owner's locks (progress() is called under the copy manager's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "nvme/status.h"
#include "nvme/submission_entry.h"
#include "translate/copy_endpoint.h"
#include "translate/copy_plan.h"
#include "translate/copy_scheduler.h"
#include "translate/delayed_tasks.h"

namespace xg::translate {

// What an executor borrows from whoever runs it (the copy manager): the shared device
// slots and the timer delayed retries run on. The executor keeps its owner alive through
// a shared_ptr while any of its commands or retries is pending.
class PlanServices {
 public:
  virtual ~PlanServices() = default;
  virtual CopyScheduler& scheduler() = 0;
  virtual DelayedTasks& retry_timer() = 0;
};

// The NVMe status that ended a plan, and whether it came from reading the source.
struct PlanFailure {
  nvme::Status status;
  bool read_side = false;
};

struct PlanProgress {
  // Per extent the plan has steps for (PlannedRange::segment): the blocks done
  // contiguously from its start. Extents without steps are absent.
  std::map<std::uint16_t, std::uint64_t> done_prefixes;
  // NVMe commands that completed successfully, wrapping at 16 bits.
  std::uint16_t operation_counter = 0;
};

struct PlanResult {
  PlanProgress progress;
  std::optional<PlanFailure> failure;  // the first failure that ended it (not after a stop)
  bool stopped = false;                // stop() was called before it ended
};

class PlanExecutor : public std::enable_shared_from_this<PlanExecutor> {
 public:
  // Namespaces by PlanNamespace::id: every id the plan names.
  using Namespaces = std::map<std::uint32_t, const CopyEndpoint*>;
  // Runs once, after the last command has completed, outside the executor's lock, on the
  // thread that ended the plan (a device thread, the retry timer, or start()/stop()).
  using Finished = std::function<void(const PlanResult&)>;

  // Use through a shared_ptr (commands in flight hold one). `id` names this plan to the
  // scheduler (its round robin and cancel()); it must be unique among running plans.
  PlanExecutor(CopyPlan plan, Namespaces namespaces, std::shared_ptr<PlanServices> services,
               std::uint64_t id, Finished finished);

  PlanExecutor(const PlanExecutor&) = delete;
  PlanExecutor& operator=(const PlanExecutor&) = delete;

  void start();
  // Safe from any thread, any number of times, before or after start().
  void stop();
  PlanProgress progress() const;

 private:
  // How far one plan step got, and how it is being carried out.
  struct StepState {
    std::size_t done_ranges = 0;       // leading ranges done
    std::uint64_t partial_blocks = 0;  // blocks done of range done_ranges (data mover)
    int retries = 0;                   // kRetryLater attempts (per data mover chunk)
    bool retried_once = false;         // the kRetryOnce retry is used
    bool mover = false;                // the rest goes by Read and Write
  };

  void launch();
  const nvme::Device* slot_device(std::size_t index) const;
  void issue(std::size_t index);
  bool submit_locked(std::size_t index);
  bool submit_copy_locked(std::size_t index);
  bool submit_move_locked(std::size_t index);
  void copy_completed(std::size_t index, std::size_t base, const nvme::Status& status,
                      std::size_t ranges_copied);
  void read_completed(std::size_t index, std::shared_ptr<std::vector<std::uint8_t>> buffer,
                      const nvme::SubmissionEntry& write, std::uint32_t blocks,
                      const nvme::Status& status);
  void moved(std::size_t index, std::uint32_t blocks, const nvme::Status& status);
  void recover(std::size_t index, const nvme::Status& status, bool copy_command, bool read_side);
  void step_ended(std::size_t index, const nvme::Status& status, bool read_side);
  PlanProgress progress_locked() const;

  const CopyPlan plan_;
  const Namespaces namespaces_;
  const std::shared_ptr<PlanServices> services_;
  const std::uint64_t id_;

  mutable std::mutex mutex_;  // guards everything below
  Finished finished_;         // emptied when it runs
  bool stopped_ = false;
  std::uint16_t operation_counter_ = 0;
  std::size_t next_ = 0;       // the first step not yet asked a slot for
  std::size_t in_flight_ = 0;  // steps asked a slot for and not ended
  std::vector<StepState> steps_;
  std::optional<PlanFailure> failure_;
};

}  // namespace xg::translate
