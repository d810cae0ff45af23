// What a copy reports while it runs and when it ends: its progress as RECEIVE COPY STATUS
// shows it (SPC-4 6.24, 6.18) and its outcome (the answer to the EXTENDED COPY, and the
// status record the copy manager keeps).
#pragma once

#include <cstdint>
#include <optional>

#include "scsi/sense.h"

namespace xg::translate {

// How far a copy got (SPC-4 6.24: only data written in order from the start counts).
struct CopyProgress {
  std::uint16_t segments_processed = 0;  // segments done completely, in list order
  std::uint64_t bytes = 0;               // bytes written contiguously from the start
  // NVMe commands that completed successfully, wrapping (RCS(LID4) OPERATION COUNTER).
  std::uint16_t operation_counter = 0;
};

struct CopyOutcome {
  enum class Result { kCompleted, kCompletedWithErrors, kTerminated };
  Result result = Result::kCompleted;
  CopyProgress progress;
  std::optional<scsi::Sense> sense;  // kCompletedWithErrors and kTerminated
};

}  // namespace xg::translate
