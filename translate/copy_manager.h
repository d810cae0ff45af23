// The copy manager of one SCSI target (SPC-4 5.17 third-party copy): EXTENDED COPY(LID1)
// and EXTENDED COPY(LID4) executed as NVMe Copy (through the planner, translate/copy_plan.h)
// or the data mover, RECEIVE COPY RESULTS for their status, and their stopping.
//
// Scope and rules:
//   - E4h CSCDs are resolved only among the logical units of this target, which are
//     exactly the LUs the I_T nexus that sent the command may access (the class of bug
//     behind CVE-2020-28374 cannot happen: another target's LUs are not in the table).
//     Descriptor ID FFFFh names the LU the command was sent to.
//   - Segment type 02h (block -> block) with equal logical block sizes on both sides.
//   - Errors before any segment is processed: ILLEGAL REQUEST with a field pointer
//     (scsi/xcopy_params.h does the list checks). Errors while processing segment k
//     (SPC-4 5.17.7.4): segments before k are copied first, then COPY ABORTED with k in
//     COMMAND-SPECIFIC INFORMATION bytes 2-3, and
//       CSCD index outside the list, no LU matching the designator, NUL set
//                                  -> 0D/02 COPY TARGET DEVICE NOT REACHABLE, SKS at the CSCD
//       block length mismatch      -> 0D/03 INCORRECT COPY TARGET DEVICE TYPE
//       LBA range outside the LU   -> 00/00 with the ILLEGAL REQUEST 21/00 the source or
//                                     destination would return, forwarded (libiscsi
//                                     ValidSegDescr accepts only 00/00, 08/04, 0D/02)
//       an NVMe failure            -> 0D/01 THIRD PARTY DEVICE FAILURE with the NVMe status
//                                     translated (status_map.h) and forwarded from the side
//                                     that failed (the source for read errors, NVM Command
//                                     Set 1.0 SCT 2h 81h-84h); INFORMATION = the segment's
//                                     blocks not copied, when some were
//       the copy was stopped       -> 2F/02 COMMANDS CLEARED BY DEVICE SERVER, INFORMATION
//                                     as above
//   - List IDs (SPC-4 5.17.4.2, 6.4.3.2): one status record per (I_T nexus, LU, list ID),
//     shared by LID1 and LID4, kept for RECEIVE COPY STATUS / FAILURE DETAILS until the
//     same ID is used again, the nexus is lost or the LU is reset (at most
//     kMaxRecordsPerNexus per nexus, the oldest finished evicted). A duplicate of a running
//     list ID -> ILLEGAL REQUEST 00/16 OPERATION IN PROGRESS, whichever format holds it.
//     Completed IDs are reusable at once (QEMU and sg_xcopy always send ID 1). LID1
//     service actions (00h, 04h) see only LID1 records; RECEIVE COPY STATUS(LID4) sees
//     both and says which in RESPONSE TO SERVICE ACTION. LIST ID USAGE 11b keeps nothing.
//     RECEIVE COPY DATA (01h, 06h) returns no held data: no segment type that holds data
//     is executed (HELD DATA LIMIT 0).
//   - LID4 IMMED=1: GOOD once the list is validated, the copy runs in the background
//     (COPY OPERATION STATUS 12h while it does); its errors are read with RECEIVE COPY
//     STATUS(LID4), never as deferred errors. G_SENSE=1: success is GOOD with sense
//     COMPLETED 00/20 and the segments processed in COMMAND-SPECIFIC INFORMATION.
//   - Stopping (SPC-4 5.17.4.3, table 109): COPY OPERATION ABORT (83h/1Ch) stops the
//     running copy with that list ID and answers GOOD only once it has stopped (none ->
//     ILLEGAL REQUEST 24/00 at CDB byte 2); ABORT TASK and ABORT TASK SET stop the
//     foreground copies they name; LU reset and target reset stop every copy touching the
//     LU(s) and discard their status; I_T nexus loss stops the nexus' foreground copies
//     (their tasks are gone), discards its status and leaves background copies running.
//     A stopped copy reports COPY OPERATION STATUS 60h with completion status TASK ABORTED.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "scsi/copy_limits.h"
#include "scsi/designator.h"
#include "scsi/receive_copy_results.h"
#include "scsi/vpd_third_party_copy.h"
#include "scsi/xcopy_params.h"
#include "translate/copy_endpoint.h"
#include "translate/copy_job.h"
#include "translate/copy_outcome.h"
#include "translate/copy_scheduler.h"
#include "translate/delayed_tasks.h"
#include "translate/scsi_command.h"

namespace xg::nvme {
class Device;
}

namespace xg::translate {

// What the copy manager tells its observer (the gateway logs it): a copy has started, or
// has ended and how. Delivered outside the manager's lock, on the thread that started or
// finished the copy.
struct CopyEvent {
  enum class Kind { kStarted, kFinished };
  Kind kind = Kind::kStarted;
  std::string initiator_port;
  std::uint64_t lun = 0;                 // the LU the EXTENDED COPY was sent to
  std::optional<std::uint32_t> list_id;  // none for LIST ID USAGE 11b
  scsi::ListIdFormat format = scsi::ListIdFormat::kLid1;
  bool background = false;                        // LID4 IMMED=1
  std::size_t segments = 0;                       // in the list
  CopyOutcome outcome;                            // kFinished
  std::chrono::steady_clock::duration elapsed{};  // kFinished
};

class CopyManager : public CopyJobOwner, public std::enable_shared_from_this<CopyManager> {
 public:
  static constexpr std::size_t kMaxRecordsPerNexus = 32;

  void add_endpoint(std::uint64_t lun, CopyEndpoint endpoint);

  // What RECEIVE COPY OPERATING PARAMETERS and VPD 8Fh report (the same values).
  scsi::CopyManagerLimits limits() const;
  scsi::ThirdPartyCopyPage vpd_page(const scsi::Peripheral& peripheral) const;
  // The commands and service actions it executes (VPD 8Fh 0001h, RSOC).
  static std::vector<scsi::SupportedCommand> supported_commands();

  // THIRD-PARTY COPY OUT (83h/00h, 01h, 1Ch) and IN (84h/00h, 01h, 03h-06h) sent to
  // `lun`. `done` runs once, possibly on a device thread.
  void execute(const ScsiCommand& command, std::uint64_t lun, bool descriptor_sense,
               ScsiCompletion done);

  // Task management (SAM-5 7) and nexus loss; each stops the copies it names and returns
  // at once (a foreground copy's task completes when its NVMe commands have).
  void abort_task(const ItNexus& nexus, std::uint32_t task_tag);
  void abort_task_set(const ItNexus& nexus, std::uint64_t lun);
  void reset(std::optional<std::uint64_t> lun);  // LU reset, or target reset (nullopt)
  void nexus_lost(const ItNexus& nexus);
  // Stops every copy and waits until each has finished (the target is going away).
  void shutdown();

  // Set before the first command arrives (not synchronised with running copies).
  void set_observer(std::function<void(const CopyEvent&)> observer) {
    observer_ = std::move(observer);
  }

  // Copies running now (for tests and logs).
  std::size_t running_count() const;
  // Copies told to stop (task management, COPY OPERATION ABORT, reset, nexus loss) that are
  // still waiting for their NVMe commands: what an operator, or a test, can watch instead
  // of a clock.
  std::size_t stopping_count() const;
  // Shares each device's copy command slots among the running copies (copy_scheduler.h).
  CopyScheduler& scheduler() override { return scheduler_; }
  // Runs a copy's delayed retries (translate/copy_retry.h).
  DelayedTasks& retry_timer() override { return retry_timer_; }

  // The endpoint of a LU (tests read its designators and device).
  const CopyEndpoint* endpoint(std::uint64_t lun) const;

 private:
  // A status record's name (SPC-4 5.17.4.2): list IDs are per I_T nexus and LU.
  struct RecordKey {
    std::string initiator_port;
    std::string target_port;
    std::uint64_t lun = 0;
    std::uint32_t list_id = 0;
    auto operator<=>(const RecordKey&) const = default;
    bool same_nexus(const RecordKey& other) const {
      return initiator_port == other.initiator_port && target_port == other.target_port;
    }
  };
  struct Record {
    scsi::ListIdFormat format = scsi::ListIdFormat::kLid1;
    bool background = false;     // LID4 IMMED=1
    std::uint64_t job_id = 0;    // the job whose outcome this is
    std::uint64_t sequence = 0;  // age, for eviction
    bool running = true;
    CopyOutcome outcome;  // once !running
  };
  struct Running {
    std::shared_ptr<CopyJob> job;
    std::shared_ptr<const ItNexus> nexus;
    std::uint64_t lun = 0;
    std::uint32_t task_tag = 0;
    bool background = false;
    bool stop_requested = false;  // stop() called; its NVMe commands may still run
    std::optional<RecordKey> key;
    std::vector<std::function<void()>> when_finished;  // COPY OPERATION ABORTs waiting
    CopyEvent event;                                   // what the observer was told at the start
    std::chrono::steady_clock::time_point started;
  };

  ScsiResponse extended_copy(const ScsiCommand& command, scsi::ListIdFormat format,
                             std::uint32_t parameter_list_length, std::uint64_t lun,
                             bool descriptor_sense, ScsiCompletion& done, bool& started);
  // Registers the status record, refusing a duplicate of a running list ID (under mutex_).
  std::optional<scsi::Sense> admit_locked(const std::optional<RecordKey>& key,
                                          const scsi::ExtendedCopyList& list, std::uint64_t job_id);
  void copy_operation_abort(const RecordKey& key, bool descriptor_sense, ScsiCompletion done);
  ScsiResponse copy_status_lid1(const RecordKey& key, std::uint32_t allocation_length,
                                bool descriptor_sense);
  ScsiResponse copy_status_lid4(const RecordKey& key, std::uint32_t allocation_length,
                                bool descriptor_sense);
  ScsiResponse copy_data(const RecordKey& key, scsi::ListIdFormat format,
                         std::uint32_t allocation_length, bool descriptor_sense);
  scsi::CopyStatusLid4 lid4_status_locked(const Record& record) const;
  // The record `key` names, if the service action family `asked` may see it.
  const Record* visible_record_locked(const RecordKey& key, scsi::ListIdFormat asked) const;
  ScsiResponse failure_details(const RecordKey& key, std::uint32_t allocation_length,
                               bool descriptor_sense);
  // The progress of a record: live from its job while it runs.
  CopyProgress progress_locked(const Record& record) const;
  // Stops the running copies `match` selects and drops the records `discard` selects
  // (none when empty).
  void stop_where(const std::function<bool(const Running&)>& match,
                  const std::function<bool(const RecordKey&)>& discard);
  std::vector<LunEndpoint> endpoints_locked() const;
  // CopyJobOwner: a job ended (exactly once per job); record its outcome, wake who waits.
  void job_finished(std::uint64_t job_id, const CopyOutcome& outcome) override;

  mutable std::mutex mutex_;              // before any PlanExecutor's (progress() under it)
  std::condition_variable all_finished_;  // running_ became empty
  std::map<std::uint64_t, CopyEndpoint> endpoints_;
  std::map<const nvme::Device*, std::uint32_t> controllers_;
  std::map<RecordKey, Record> records_;
  std::map<std::uint64_t, Running> running_;  // by job id
  std::uint64_t next_sequence_ = 1;
  std::uint64_t next_job_id_ = 1;
  std::function<void(const CopyEvent&)> observer_;
  CopyScheduler scheduler_;
  DelayedTasks retry_timer_;
};

}  // namespace xg::translate
