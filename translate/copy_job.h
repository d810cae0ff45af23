// One EXTENDED COPY (LID1 or LID4) in flight: resolve the segments' CSCDs to this target's
// LUs, plan (copy_plan.h), execute the plan's NVMe commands, then answer and record the
// outcome with the copy manager. Internal to translate/ (copy_manager.cc runs it).
//
// Life of a job: create_copy_job() resolves and plans (no I/O); the manager registers it
// (so COPY OPERATION ABORT and task management can find it) and then calls start(). The
// job reports to CopyManager::finish() exactly once, after its last NVMe command has
// completed, and then calls its completion (the originating command's, or nothing for a
// background copy).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "scsi/xcopy_params.h"
#include "translate/copy_manager.h"

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

struct CopyJobRequest {
  std::shared_ptr<CopyManager> manager;
  std::uint64_t job_id = 0;  // the manager's handle: finish() names it
  scsi::ExtendedCopyList list;
  std::uint64_t lun = 0;  // the LU the EXTENDED COPY was sent to (CSCD ID FFFFh)
  // The target's LUs that CSCDs may name; the job is created under the manager's lock,
  // so it gets them rather than asking.
  std::vector<std::pair<std::uint64_t, const CopyEndpoint*>> endpoints;
  bool descriptor_sense = false;
  std::uint32_t transfer_length = 0;  // PARAMETER LIST LENGTH, for the response
  ScsiCompletion done;                // the originating command's; empty for a background copy
};

std::shared_ptr<CopyJob> create_copy_job(CopyJobRequest request);

}  // namespace xg::translate
