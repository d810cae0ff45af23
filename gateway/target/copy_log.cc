#include "gateway/target/copy_log.h"

#include <chrono>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace xg::gateway {

std::string describe_copy_event(const translate::CopyEvent& event) {
  using Result = translate::CopyOutcome::Result;
  std::string line = fmt::format("copy from {} to LUN {}", event.initiator_port, event.lun);
  if (event.list_id) line += fmt::format(", list {}", *event.list_id);
  line += fmt::format(
      " ({}{}): {} segment{}", event.format == scsi::ListIdFormat::kLid4 ? "LID4" : "LID1",
      event.background ? ", background" : "", event.segments, event.segments == 1 ? "" : "s");
  if (event.kind == translate::CopyEvent::Kind::kStarted) return line + ", started";
  const double seconds = std::chrono::duration<double>(event.elapsed).count();
  const translate::CopyProgress& done = event.outcome.progress;
  if (event.outcome.result == Result::kCompleted) {
    return line + fmt::format(", finished in {:.3f} s: {} bytes", seconds, done.bytes);
  }
  line += fmt::format(", {} after {:.3f} s at {} segment{} and {} bytes",
                      event.outcome.result == Result::kTerminated ? "stopped" : "failed", seconds,
                      done.segments_processed, done.segments_processed == 1 ? "" : "s", done.bytes);
  if (event.outcome.sense) line += ": " + scsi::describe(*event.outcome.sense);
  return line;
}

void log_copy_event(const std::string& target, const translate::CopyEvent& event) {
  const std::string line = describe_copy_event(event);
  if (event.kind == translate::CopyEvent::Kind::kStarted) {
    spdlog::debug("{}: {}", target, line);
  } else if (event.outcome.result == translate::CopyOutcome::Result::kCompleted) {
    spdlog::info("{}: {}", target, line);
  } else {
    spdlog::warn("{}: {}", target, line);
  }
}

}  // namespace xg::gateway
