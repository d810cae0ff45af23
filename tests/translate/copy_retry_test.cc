// What a copy does after an NVMe command failed (translate/copy_retry.h): the policy
// table, the back-off, and the copy job carrying it out against a fault-injecting device:
// transient statuses retried from DW0, DNR honoured, QEMU 7.2's Internal Error retried
// once and then moved by read/write, limit errors moved at once.
#include "translate/copy_retry.h"

#include "tests/translate/copy_test_support.h"

namespace xg::test {
namespace {

using nvme::Status;
using translate::CopyRecovery;

// One segment of 300 blocks in LU 0: with MSSRL 64 / MCL 128 / MSRC 3 that is three Copy
// commands (128 + 128 + 44 blocks), the first two of two ranges each.
struct OneSegment {
  Bytes data = pattern(70, 300, 512);
  explicit OneSegment(CopyHarness& h) { h.io(1).write(0, data); }
  ScsiResponse copy(CopyHarness& h) const {
    return xcopy(h, 0, list_of({cscd_for(h.naa(0))}, {segment(0, 0, 0, 1000, 300)}));
  }
  void check_landed(CopyHarness& h) const { CHECK(h.io(1).read(1000, 300) == data); }
};

}  // namespace

TEST_CASE("Copy recovery: which NVMe statuses are retried, moved by read/write, or fail",
          "[translate][xcopy][retry]") {
  struct Row {
    Status status;
    CopyRecovery copy;   // the failed command was a Copy
    CopyRecovery other;  // a Read or Write of the data mover
  };
  const Row rows[] = {
      {Status::generic(0x21, false), CopyRecovery::kRetryLater, CopyRecovery::kRetryLater},
      {Status::generic(0x21, true), CopyRecovery::kFail, CopyRecovery::kFail},  // DNR
      {Status::generic(0x22, false), CopyRecovery::kRetryLater, CopyRecovery::kRetryLater},
      {Status::generic(0x82, false), CopyRecovery::kRetryLater, CopyRecovery::kRetryLater},
      {Status::generic(0x83, false), CopyRecovery::kRetryLater, CopyRecovery::kRetryLater},
      {Status::generic(0x84, false), CopyRecovery::kRetryLater, CopyRecovery::kRetryLater},
      {Status::path(0x03, false), CopyRecovery::kRetryLater, CopyRecovery::kRetryLater},
      {Status::path(0x70, false), CopyRecovery::kRetryLater, CopyRecovery::kRetryLater},
      {Status::path(0x01, false), CopyRecovery::kFail, CopyRecovery::kFail},
      {Status::path(0x02, false), CopyRecovery::kFail, CopyRecovery::kFail},
      {Status::internal_error(), CopyRecovery::kRetryOnce, CopyRecovery::kRetryOnce},
      {Status::generic(0x06, true), CopyRecovery::kFail, CopyRecovery::kFail},
      {Status::invalid_field_in_command(), CopyRecovery::kDataMover, CopyRecovery::kFail},
      {Status::invalid_command_opcode(), CopyRecovery::kDataMover, CopyRecovery::kFail},
      {Status::command_size_limit_exceeded(), CopyRecovery::kDataMover, CopyRecovery::kFail},
      {Status::invalid_format(), CopyRecovery::kDataMover, CopyRecovery::kFail},
      {Status::incompatible_namespace_or_format(), CopyRecovery::kDataMover, CopyRecovery::kFail},
      {Status::fast_copy_not_possible(), CopyRecovery::kDataMover, CopyRecovery::kFail},
      {Status::overlapping_io_range(), CopyRecovery::kDataMover, CopyRecovery::kFail},
      {Status::command_specific(0x89, false), CopyRecovery::kRetryLater, CopyRecovery::kRetryLater},
      {Status::command_specific(0x89, true), CopyRecovery::kDataMover, CopyRecovery::kFail},
      {Status::lba_out_of_range(), CopyRecovery::kFail, CopyRecovery::kFail},
      {Status::media(0x81, false), CopyRecovery::kFail, CopyRecovery::kFail},  // read error
      {Status::media(0x80, false), CopyRecovery::kFail, CopyRecovery::kFail},  // write fault
      {Status::media(0x82, true), CopyRecovery::kFail, CopyRecovery::kFail},   // guard check
  };
  for (const Row& row : rows) {
    INFO("NVMe " << nvme::describe(row.status));
    CHECK(translate::copy_recovery(row.status, true) == row.copy);
    CHECK(translate::copy_recovery(row.status, false) == row.other);
  }
}

TEST_CASE("Copy recovery: back-off 10/20/40/80 ms, a status's CRD selects CRDT, capped at 1 s",
          "[translate][xcopy][retry]") {
  using std::chrono::milliseconds;
  const std::array<std::uint16_t, 3> none{};
  const Status plain = Status::generic(0x21, false);
  CHECK(translate::copy_retry_delay(1, plain, none) == milliseconds(10));
  CHECK(translate::copy_retry_delay(2, plain, none) == milliseconds(20));
  CHECK(translate::copy_retry_delay(3, plain, none) == milliseconds(40));
  CHECK(translate::copy_retry_delay(4, plain, none) == milliseconds(80));
  Status crd = plain;
  crd.crd = 2;
  const std::array<std::uint16_t, 3> crdt{1, 3, 50};  // 100, 300, 5000 ms
  CHECK(translate::copy_retry_delay(1, crd, crdt) == milliseconds(300));
  crd.crd = 3;
  CHECK(translate::copy_retry_delay(1, crd, crdt) == milliseconds(1000));  // capped
  crd.crd = 1;
  CHECK(translate::copy_retry_delay(1, crd, {}) == milliseconds(10));  // CRDT1 = 0
}

TEST_CASE(
    "Copy retries: a transient status is retried from the range DW0 names and the copy "
    "lands, DNR is honoured, retries end after four",
    "[translate][xcopy][retry]") {
  SECTION("Command Interrupted on the second Copy: one more Copy, GOOD, data exact") {
    CopyHarness h;
    OneSegment one(h);
    h.faults->add_rule(
        nvme::FaultRule::fail_command(2, Status::generic(0x21, false), 0, nvme::kOpcodeCopy));
    check_good(one.copy(h));
    one.check_landed(h);
    CHECK(h.faults->commands_seen(nvme::kOpcodeCopy) == 4);
    CHECK(h.faults->commands_seen(nvme::kOpcodeRead) == 0);
    CHECK(copy_status(h, 0, 1).transfer_count == 300 * 512);
  }
  SECTION("a transient failure part-way through a two-range Copy: the rest is retried") {
    CopyHarness h;
    OneSegment one(h);
    // The first command's range 0 (blocks 0-63) lands, then Transient Transport Error
    // with DW0 = 1; the retry carries range 1 on.
    h.faults->add_rule(nvme::FaultRule::fail_copy_at_range(1, 1, Status::generic(0x22, false)));
    check_good(one.copy(h));
    one.check_landed(h);
    CHECK(h.faults->commands_seen(nvme::kOpcodeCopy) == 4);
    CHECK(copy_status(h, 0, 1).segments_processed == 1);
  }
  SECTION("DNR: no retry, COPY ABORTED 0D/01 with the translated status forwarded") {
    CopyHarness h;
    OneSegment one(h);
    h.faults->add_rule(
        nvme::FaultRule::fail_command(1, Status::generic(0x21, true), 0, nvme::kOpcodeCopy));
    const Sense s = sense_of(one.copy(h));
    CHECK(s.key == scsi::SenseKey::kCopyAborted);
    CHECK(s.asc == 0x0D);
    CHECK(s.ascq == 0x01);
    CHECK(h.faults->commands_seen(nvme::kOpcodeCopy) == 3);  // the three, none again
  }
  SECTION("a status that stays transient: four retries, then COPY ABORTED") {
    CopyHarness h;
    Bytes data = pattern(71, 10, 512);
    h.io(1).write(0, data);
    h.faults->add_rule(
        nvme::FaultRule::fail_command(0, Status::generic(0x22, false), 0, nvme::kOpcodeCopy));
    const auto started = std::chrono::steady_clock::now();
    const ScsiResponse r = xcopy(h, 0, list_of({cscd_for(h.naa(0))}, {segment(0, 0, 0, 100, 10)}));
    const auto took = std::chrono::steady_clock::now() - started;
    const Sense s = sense_of(r);
    CHECK(s.key == scsi::SenseKey::kCopyAborted);
    CHECK(s.copy_segment == std::optional<std::uint16_t>(0));
    CHECK(h.faults->commands_seen(nvme::kOpcodeCopy) == 1 + translate::kMaxCopyRetries);
    CHECK(took >= std::chrono::milliseconds(10 + 20 + 40 + 80));
  }
}

TEST_CASE(
    "Copy retries: QEMU 7.2's Internal Error is retried once, then the data mover "
    "moves the rest, limit errors go to the data mover at once",
    "[translate][xcopy][retry]") {
  SECTION("Internal Error once: the retry succeeds, no Read or Write") {
    CopyHarness h;
    OneSegment one(h);
    h.faults->add_rule(
        nvme::FaultRule::fail_command(1, Status::internal_error(), 0, nvme::kOpcodeCopy));
    check_good(one.copy(h));
    one.check_landed(h);
    CHECK(h.faults->commands_seen(nvme::kOpcodeCopy) == 4);
    CHECK(h.faults->commands_seen(nvme::kOpcodeRead) == 0);
  }
  SECTION("Internal Error on every Copy (QEMU 7.2 refusing what it cannot do): read/write") {
    CopyHarness h;
    OneSegment one(h);
    h.faults->add_rule(
        nvme::FaultRule::fail_command(0, Status::internal_error(), 0, nvme::kOpcodeCopy));
    check_good(one.copy(h));
    one.check_landed(h);
    CHECK(h.faults->commands_seen(nvme::kOpcodeCopy) == 6);  // each of three, twice
    CHECK(h.faults->commands_seen(nvme::kOpcodeRead) > 0);
    CHECK(h.faults->commands_seen(nvme::kOpcodeWrite) > 0);
    CHECK(copy_status(h, 0, 1).transfer_count == 300 * 512);
  }
  SECTION("Command Size Limit Exceeded (DNR): straight to read/write, no Copy retry") {
    CopyHarness h;
    OneSegment one(h);
    h.faults->add_rule(nvme::FaultRule::fail_command(0, Status::command_size_limit_exceeded(), 0,
                                                     nvme::kOpcodeCopy));
    check_good(one.copy(h));
    one.check_landed(h);
    CHECK(h.faults->commands_seen(nvme::kOpcodeCopy) == 3);
  }
  SECTION("the data mover's own failure is reported exactly: the Read side's medium error") {
    CopyHarness h;
    OneSegment one(h);
    h.faults->add_rule(nvme::FaultRule::fail_command(0, Status::command_size_limit_exceeded(), 0,
                                                     nvme::kOpcodeCopy));
    h.faults->add_rule(
        nvme::FaultRule::fail_command(1, Status::media(0x81, true), 0, nvme::kOpcodeRead));
    const Sense s = sense_of(one.copy(h));
    CHECK(s.key == scsi::SenseKey::kCopyAborted);
    CHECK(s.asc == 0x0D);
    REQUIRE(s.forwarded.size() == 1);
    CHECK(s.forwarded[0].source == scsi::ForwardedSense::Source::kCopySource);
    const std::uint64_t done = s.information ? 300 - *s.information : 0;
    CHECK(copy_status(h, 0, 1).transfer_count == done * 512);
    if (done > 0) {
      CHECK(h.io(1).read(1000, done) == Bytes(one.data.begin(), one.data.begin() + done * 512));
    }
  }
}

TEST_CASE(
    "Copy retries: COPY OPERATION ABORT during a retry back-off stops the copy, nothing "
    "is sent after it",
    "[translate][xcopy][retry][abort]") {
  CopyHarness h;
  Bytes data = pattern(72, 10, 512);
  h.io(1).write(0, data);
  // The first Copy fails with a transient status; its retry, if the back-off ends before
  // the abort arrives, is held. Either way the copy cannot end before the abort does, so
  // the outcome does not depend on how fast this machine is.
  h.faults->add_rule(
      nvme::FaultRule::fail_command(1, Status::generic(0x21, false), 0, nvme::kOpcodeCopy));
  h.faults->add_rule(nvme::FaultRule::hold_from(2, nvme::kOpcodeCopy));
  const Bytes parameters =
      scsi::encode_extended_copy(list_of({cscd_for(h.naa(0))}, {segment(0, 0, 0, 100, 10)}, 5));
  auto copy = h.start(0, xcopy_cdb(parameters.size()), parameters);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (h.faults->commands_seen(nvme::kOpcodeCopy) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  std::thread releaser = h.release_when_stopping();
  const Bytes abort_cdb{0x83, 0x1C, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  check_good(h.run(0, abort_cdb));
  releaser.join();
  const std::uint64_t seen = h.faults->commands_seen(nvme::kOpcodeCopy);
  check_sense(copy.get(), Sense::commands_cleared_by_device_server(0));
  CHECK(seen <= 2);  // the failed Copy and at most one retry
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(h.faults->commands_seen(nvme::kOpcodeCopy) == seen);
}

}  // namespace xg::test
