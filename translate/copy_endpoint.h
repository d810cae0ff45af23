// What the copy manager (translate/copy_manager.h) needs to know of one logical unit to
// use it as a copy source or destination.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "scsi/designator.h"
#include "translate/copy_plan.h"

namespace xg::nvme {
class Device;
}

namespace xg::translate {

// What the copy manager needs of one logical unit.
struct CopyEndpoint {
  nvme::Device* device = nullptr;
  std::uint32_t nsid = 0;
  std::uint32_t block_size = 512;
  std::uint64_t blocks = 0;
  // The LU's own designators (VPD 83h, association 00b): what E4h CSCDs are matched to.
  std::vector<scsi::Designator> designators;
  // NVMe Copy capability and limits (id and controller are filled in by the manager).
  PlanNamespace plan;
  // The controller's CRDT1-3 (100 ms units), for retries a status's CRD asks to delay.
  std::array<std::uint16_t, 3> command_retry_delay_times{};
};

}  // namespace xg::translate
