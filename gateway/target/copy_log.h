// One log line per EXTENDED COPY that starts and ends (translate::CopyEvent), so an
// operator sees who copied what, how long it took and why it stopped: the copy manager
// itself does not log.
#pragma once

#include <string>

#include "translate/copy_manager.h"

namespace xg::gateway {

// "copy from <initiator> to LUN 0, list 7 (LID4, background): 12 segments, finished in
// 0.009 s: 1073741824 bytes" / "... ended after 3 segments, 402653184 bytes: COPY ABORTED
// 2F/02 ...". Started copies log at debug level, finished ones at info, failed ones at warn.
std::string describe_copy_event(const translate::CopyEvent& event);
void log_copy_event(const std::string& target, const translate::CopyEvent& event);

}  // namespace xg::gateway
