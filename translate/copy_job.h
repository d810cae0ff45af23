// One EXTENDED COPY (LID1 or LID4) in flight: it glues the CSCD resolver
// (cscd_resolver.h), the planner (copy_plan.h) and the plan executor (plan_executor.h)
// together, and turns what the executor reports into the SCSI answer: COPY ABORTED with
// the segment and residual (SPC-4 5.17.7.4), the G_SENSE completion (SPC-4 6.4.1), and
// the progress RECEIVE COPY STATUS shows (SPC-4 6.24). Internal to translate/
// (copy_manager.cc runs it).
//
// Life of a job: create_copy_job() resolves and plans (no I/O); the manager registers it
// (so COPY OPERATION ABORT and task management can find it) and then calls start(). The
// job reports to its owner's job_finished() exactly once, after its last NVMe command
// has completed, and then calls its completion (the originating command's, or nothing for
// a background copy).
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <vector>

#include "scsi/xcopy_params.h"
#include "translate/copy_outcome.h"
#include "translate/cscd_resolver.h"
#include "translate/plan_executor.h"
#include "translate/scsi_command.h"

namespace xg::translate {

class CopyJob {
 public:
  virtual ~CopyJob() = default;
  virtual void start() = 0;
  // Stops the copy (COPY OPERATION ABORT, ABORT TASK, LU reset: SPC-4 5.17.4.3): no NVMe
  // command is submitted after this returns; the job finishes once the ones in flight
  // have completed, as COPY ABORTED 2F/02 with the exact progress (unless everything was
  // already done). Safe from any thread, any number of times, before or after start().
  virtual void stop() = 0;
  // What has landed so far (RECEIVE COPY STATUS of a running copy).
  virtual CopyProgress progress() const = 0;
  // The logical units the copy reads or writes (LU reset stops the copies touching it).
  virtual const std::set<std::uint64_t>& logical_units() const = 0;
};

// All a job needs of the copy manager that runs it: device slots and the retry timer for
// its plan, and where to report its end. The job holds it by shared_ptr, so the manager
// outlives every job and every pending retry.
class CopyJobOwner : public PlanServices {
 public:
  // Exactly once per job, after its last NVMe command: record the outcome.
  virtual void job_finished(std::uint64_t job_id, const CopyOutcome& outcome) = 0;
};

struct CopyJobRequest {
  std::shared_ptr<CopyJobOwner> owner;
  std::uint64_t job_id = 0;  // the owner's handle: job_finished() names it
  scsi::ExtendedCopyList list;
  std::uint64_t lun = 0;  // the LU the EXTENDED COPY was sent to (CSCD ID FFFFh)
  // The target's LUs that CSCDs may name; the job is created under the manager's lock,
  // so it gets them rather than asking.
  std::vector<LunEndpoint> endpoints;
  bool descriptor_sense = false;
  std::uint32_t transfer_length = 0;  // PARAMETER LIST LENGTH, for the response
  ScsiCompletion done;                // the originating command's; empty for a background copy
};

std::shared_ptr<CopyJob> create_copy_job(CopyJobRequest request);

}  // namespace xg::translate
