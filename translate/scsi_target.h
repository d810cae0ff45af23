// A SCSI target device (SAM-5 4.6.1) as one iSCSI target exposes it: a table of logical
// units by LUN, and the commands that belong to the target rather than to a unit.
//
//   REPORT LUNS (SPC-4 6.33) to any LUN, configured or not, lists the table.
//   A command to a LUN that is not configured: INQUIRY answers with PERIPHERAL
//   QUALIFIER 011b / DEVICE TYPE 1Fh (SPC-4 6.6.2); REQUEST SENSE returns LOGICAL UNIT
//   NOT SUPPORTED as data; anything else gets CHECK CONDITION, ILLEGAL REQUEST 25/00.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "translate/copy_manager.h"
#include "translate/scsi_command.h"

namespace xg::translate {

class ScsiTarget {
 public:
  ScsiTarget() = default;
  // Stops every copy still running, background ones too, and waits for their NVMe
  // commands: the devices and units they use may go right after the target.
  ~ScsiTarget();
  ScsiTarget(ScsiTarget&&) = default;
  ScsiTarget& operator=(ScsiTarget&& other) noexcept;

  void add_lun(std::uint64_t lun, std::unique_ptr<LogicalUnit> unit);
  void execute(ScsiCommand command, ScsiCompletion done);
  void nexus_lost(const ItNexus& nexus);
  // Task management (SAM-5 7.2-7.7) reaching the device server. The transport ends the
  // tasks it holds itself; these stop the work still running for them on the device
  // (copies: their tasks complete once their NVMe commands have, COPY ABORTED 2F/02).
  void abort_task(const ItNexus& nexus, std::uint32_t task_tag);
  void abort_task_set(const ItNexus& nexus, std::uint64_t lun);  // also CLEAR TASK SET
  void reset_logical_unit(std::uint64_t lun);
  // TARGET WARM RESET (kHardReset) or TARGET COLD RESET (kPowerOn): every unit.
  void reset_target(ResetEvent event = ResetEvent::kHardReset);
  // For the transport's memory bound; 0 for a LUN that is not configured.
  std::uint64_t max_transfer_bytes(std::uint64_t lun) const;
  std::size_t lun_count() const { return units_.size(); }
  // The target's copy manager: every unit that describes a copy endpoint joins it, so an
  // EXTENDED COPY sent to any LU may name any LU of this target (and no other).
  const std::shared_ptr<CopyManager>& copy_manager() const { return copy_manager_; }

 private:
  std::map<std::uint64_t, std::unique_ptr<LogicalUnit>> units_;
  std::shared_ptr<CopyManager> copy_manager_ = std::make_shared<CopyManager>();
};

}  // namespace xg::translate
