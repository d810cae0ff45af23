// The operator's log line for a copy (gateway/target/copy_log.h).
#include "gateway/target/copy_log.h"

#include <chrono>

#include "tests/support/catch.h"

namespace xg::test {

TEST_CASE("Copy log: a finished copy says who, where, which list, how long and how much",
          "[gateway][copy-log]") {
  translate::CopyEvent e;
  e.initiator_port = "iqn.1998-01.com.vmware:esx1,i,0x00023d000001";
  e.lun = 1;
  e.list_id = 7;
  e.format = scsi::ListIdFormat::kLid4;
  e.background = true;
  e.segments = 12;
  CHECK(gateway::describe_copy_event(e) ==
        "copy from iqn.1998-01.com.vmware:esx1,i,0x00023d000001 to LUN 1, list 7 (LID4, "
        "background): 12 segments, started");
  e.kind = translate::CopyEvent::Kind::kFinished;
  e.elapsed = std::chrono::milliseconds(9);
  e.outcome.progress.bytes = 1073741824;
  e.outcome.progress.segments_processed = 12;
  CHECK(gateway::describe_copy_event(e) ==
        "copy from iqn.1998-01.com.vmware:esx1,i,0x00023d000001 to LUN 1, list 7 (LID4, "
        "background): 12 segments, finished in 0.009 s: 1073741824 bytes");
}

TEST_CASE("Copy log: a stopped copy says how far it got and the sense it ended with",
          "[gateway][copy-log]") {
  translate::CopyEvent e;
  e.kind = translate::CopyEvent::Kind::kFinished;
  e.initiator_port = "iqn.x,i,0x000000000001";
  e.segments = 1;
  e.elapsed = std::chrono::milliseconds(1500);
  e.outcome.result = translate::CopyOutcome::Result::kTerminated;
  e.outcome.progress.bytes = 4096;
  e.outcome.sense = scsi::Sense::commands_cleared_by_device_server(0);
  const std::string line = gateway::describe_copy_event(e);
  CHECK(
      line.starts_with("copy from iqn.x,i,0x000000000001 to LUN 0 (LID1): 1 segment, "
                       "stopped after 1.500 s at 0 segments and 4096 bytes: "));
  CHECK(line.ends_with(scsi::describe(*e.outcome.sense)));
}

}  // namespace xg::test
