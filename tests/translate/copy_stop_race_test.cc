// A stop racing with the end of a copy: ABORT TASK sent again and again from another
// thread while the copy's last NVMe commands complete on device threads (SPC-4 5.17.4.3).
// Every copy must answer exactly once, GOOD or COPY ABORTED 2F/02 at its only segment.
// Under ThreadSanitizer (the tsan preset, scripts/test.sh) this is also the test that
// catches a job reading its stop state without its lock while it builds the answer (the
// stops that keep coming after the last completion write that state meanwhile).
#include <atomic>

#include "nvme/spec.h"
#include "tests/translate/copy_test_support.h"

namespace xg::test {
namespace {

TEST_CASE("XCOPY: ABORT TASK sent over and over while the copy ends - one answer, GOOD or "
          "2F/02, never anything else",
          "[translate][xcopy][stop]") {
  CopyHarness h(CopyDeviceLimits{.mcl = 64});
  Bytes data = pattern(60, 1000, 512);
  REQUIRE(h.io(1).write(0, data).status.ok());
  // 1000 blocks within LU 0: sixteen Copy commands (MCL 64) of 20 ms each, eight in flight
  // at first, so a stop before the first eight complete leaves work undone.
  h.faults->add_rule(
      nvme::FaultRule::latency_for(std::chrono::milliseconds(20), 0, nvme::kOpcodeCopy));
  const Bytes parameters =
      scsi::encode_extended_copy(list_of({cscd_for(h.naa(0))}, {segment(0, 0, 0, 2000, 1000)}));
  constexpr int kCopies = 40;
  int good = 0;
  int stopped = 0;
  for (int i = 0; i < kCopies; ++i) {
    const auto tag = static_cast<std::uint32_t>(100 + i);
    auto answer = h.start(0, xcopy_cdb(parameters.size()), parameters, tag);
    std::atomic<bool> answered{false};
    // The stops start at once (mid-copy) or around the time the copy ends.
    const auto wait = std::chrono::milliseconds(i % 2 == 0 ? 0 : 19 + i % 5);
    std::thread stopper([&] {
      std::this_thread::sleep_for(wait);
      while (!answered.load()) h.target.abort_task(*h.nexus, tag);
    });
    const bool ready = answer.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    answered = true;
    stopper.join();
    REQUIRE(ready);
    const ScsiResponse r = answer.get();
    if (r.status == scsi::Status::kGood) {
      ++good;
      CHECK(h.io(1).read(2000, 1000) == data);
      continue;
    }
    const Sense s = sense_of(r);
    CHECK(s.key == scsi::SenseKey::kCopyAborted);
    CHECK(s.asc == 0x2F);
    CHECK(s.ascq == 0x02);
    CHECK(s.copy_segment == 0);
    ++stopped;
  }
  CHECK(good + stopped == kCopies);
  CHECK(stopped > 0);  // the stops that landed mid-copy
  CHECK(h.target.copy_manager()->running_count() == 0);
}

}  // namespace
}  // namespace xg::test
