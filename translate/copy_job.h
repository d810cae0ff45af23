// One EXTENDED COPY(LID1) in flight: resolve the segments' CSCDs to this target's LUs,
// plan (copy_plan.h), execute the plan's NVMe commands, then answer and record the status.
// Internal to translate/ (copy_manager.cc starts it).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "scsi/xcopy_params.h"
#include "translate/copy_manager.h"

namespace xg::translate {

void start_copy_job(std::shared_ptr<CopyManager> manager,
                    std::optional<CopyManager::RecordKey> key, scsi::ExtendedCopyList list,
                    std::uint64_t lun, bool descriptor_sense, ScsiCompletion done);

}  // namespace xg::translate
