// What a copy does after one of its NVMe commands failed (NVMe Base 2.0: DNR, CRD and the
// controller's CRDT; SPC-4 5.17.7.4 for what the initiator is told at the end):
// retry the rest after a delay, retry it once at once, move the rest by read/write, or give
// up and report the failure (COPY ABORTED 0D/01, translate/copy_manager.h). Pure.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

#include "nvme/status.h"

namespace xg::translate {

enum class CopyRecovery : std::uint8_t {
  kFail,        // media, protection information, range errors; anything DNR forbids
  kRetryLater,  // transient: interrupted, transport, path, not ready, conflicts
  // Internal Error without DNR: QEMU 7.2 reports every late Copy failure so (hw/nvme/ctrl.c
  // nvme_aio_err() has no Copy case; fixed in 8.1). Once more as it was; a Copy that fails so again
  // goes to the data mover, which then either works or reports the real error of the Read or Write.
  kRetryOnce,
  kDataMover,  // the device cannot Copy this (limits, format, namespaces): read/write it
};

// `copy_command`: the failed command was an NVMe Copy (the data mover is a way out only
// for those; a failed Read or Write has no other way).
CopyRecovery copy_recovery(const nvme::Status& status, bool copy_command);

// kRetryLater is tried this many times, after 10, 20, 40, 80 ms, before it fails.
inline constexpr int kMaxCopyRetries = 4;

// The delay before retry `attempt` (1-based): the back-off, or the controller's Command
// Retry Delay when the status asks for one (CRD selects CRDT1-3, in 100 ms units; Identify
// Controller bytes 133:128), whichever is longer, and never above one second so that a
// stop stays prompt.
std::chrono::milliseconds copy_retry_delay(int attempt, const nvme::Status& status,
                                           const std::array<std::uint16_t, 3>& crdt);

}  // namespace xg::translate
