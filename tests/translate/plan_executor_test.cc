// The plan executor on its own (translate/plan_executor.h): a CopyPlan's steps on the
// emulated controller behind the fault injector, with a scheduler and a retry timer of the
// test's own; no SCSI. Progress and failures are checked in plan terms: per extent the
// blocks done from its start, the NVMe status that ended the plan, which side it came from.
#include <future>

#include "nvme/emulated_device.h"
#include "nvme/fault_injecting_device.h"
#include "nvme/spec.h"
#include "tests/nvme/conformance/conformance_support.h"
#include "tests/support/catch.h"
#include "translate/plan_executor.h"

namespace xg::test {
namespace {

using translate::CopyEndpoint;
using translate::CopyExtent;
using translate::PlanResult;

struct Services final : translate::PlanServices {
  translate::CopyScheduler slots;
  translate::DelayedTasks timer;
  translate::CopyScheduler& scheduler() override { return slots; }
  translate::DelayedTasks& retry_timer() override { return timer; }
};

// Two namespaces of one emulated controller (MSSRL 64, MCL 128, MSRC 3, MDTS 1024 blocks)
// behind a fault injector. Namespace 1 is plan id 1; namespace 2 is plan id 2, and
// `copy` says whether it offers NVMe Copy (else every step into it is the data mover).
struct Bench {
  TempDir dir;
  std::unique_ptr<nvme::EmulatedDevice> emulated;
  std::unique_ptr<nvme::FaultInjectingDevice> faults;
  std::map<std::uint32_t, CopyEndpoint> endpoints;
  std::shared_ptr<Services> services = std::make_shared<Services>();

  explicit Bench(bool copy_into_2 = true) {
    nvme::EmulatedDeviceConfig config;
    for (std::uint32_t nsid : {1U, 2U}) {
      nvme::EmulatedNamespaceConfig ns;
      ns.nsid = nsid;
      ns.path = dir.file("ns" + std::to_string(nsid));
      ns.capacity = 4096;
      ns.mssrl = 64;
      ns.mcl = 128;
      ns.msrc = 3;
      config.namespaces.push_back(ns);
    }
    auto created = nvme::EmulatedDevice::create(config);
    REQUIRE(created.has_value());
    emulated = std::move(created).value();
    faults = std::make_unique<nvme::FaultInjectingDevice>(*emulated);
    for (std::uint32_t nsid : {1U, 2U}) {
      CopyEndpoint e;
      e.device = faults.get();
      e.nsid = nsid;
      e.block_size = 512;
      e.blocks = 4096;
      e.plan.id = nsid;
      e.plan.nsid = nsid;
      e.plan.copy = nsid == 1 || copy_into_2;
      e.plan.mssrl = 64;
      e.plan.mcl = 128;
      e.plan.max_ranges = 4;
      e.plan.max_transfer_blocks = 1024;
      endpoints[nsid] = e;
    }
  }
  ~Bench() {
    faults.reset();  // waits for the commands it passed on
    emulated.reset();
  }

  translate::PlanExecutor::Namespaces namespaces() const {
    translate::PlanExecutor::Namespaces out;
    for (const auto& [id, e] : endpoints) out[id] = &e;
    return out;
  }
  translate::CopyPlan plan(const std::vector<CopyExtent>& extents) const {
    std::vector<translate::PlanNamespace> table;
    for (const auto& [id, e] : endpoints) table.push_back(e.plan);
    return translate::plan_copy(extents, table);
  }
  // Starts the plan; the future is its result.
  std::pair<std::shared_ptr<translate::PlanExecutor>, std::future<PlanResult>> start(
      const std::vector<CopyExtent>& extents) {
    auto promise = std::make_shared<std::promise<PlanResult>>();
    auto future = promise->get_future();
    auto executor = std::make_shared<translate::PlanExecutor>(
        plan(extents), namespaces(), services, 1,
        [promise](const PlanResult& r) { promise->set_value(r); });
    executor->start();
    return {executor, std::move(future)};
  }
  PlanResult run(const std::vector<CopyExtent>& extents) {
    auto [executor, future] = start(extents);
    REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    return future.get();
  }
  NamespaceIo io(std::uint32_t nsid) { return NamespaceIo{*emulated, nsid, 512}; }
  std::uint64_t commands() const {
    return faults->commands_seen(nvme::kOpcodeCopy) + faults->commands_seen(nvme::kOpcodeRead) +
           faults->commands_seen(nvme::kOpcodeWrite);
  }
};

Bytes filled(Bench& b, std::uint32_t nsid, std::uint64_t lba, std::size_t blocks,
             std::uint32_t seed) {
  Bytes data = pattern(seed, blocks, 512);
  for (std::size_t done = 0; done < blocks; done += 1024) {  // MDTS
    const std::size_t n = std::min<std::size_t>(1024, blocks - done);
    Bytes part(data.begin() + static_cast<long>(done * 512),
               data.begin() + static_cast<long>((done + n) * 512));
    REQUIRE(b.io(nsid).write(lba + done, part).status.ok());
  }
  return data;
}

}  // namespace

TEST_CASE("Plan executor: Copy steps and data mover steps land, every extent is done in "
          "full, every NVMe command is counted once",
          "[translate][executor]") {
  Bench b(false);  // namespace 2 has no Copy: extent 1 goes by Read and Write
  const Bytes a = filled(b, 1, 0, 300, 1);
  const Bytes c = filled(b, 1, 1000, 1500, 2);
  const PlanResult r = b.run({{0, 1, 0, 1, 3000, 300}, {1, 1, 1000, 2, 100, 1500}});
  CHECK_FALSE(r.failure.has_value());
  CHECK_FALSE(r.stopped);
  CHECK(r.progress.done_prefixes == std::map<std::uint16_t, std::uint64_t>{{0, 300}, {1, 1500}});
  // 300 blocks: 3 Copy commands (MCL 128); 1500 blocks: 2 Reads and 2 Writes (MDTS 1024).
  CHECK(b.faults->commands_seen(nvme::kOpcodeCopy) == 3);
  CHECK(b.faults->commands_seen(nvme::kOpcodeRead) == 2);
  CHECK(r.progress.operation_counter == 7);
  CHECK(b.io(1).read(3000, 300) == a);
  CHECK(b.io(2).read(100, 1000) == Bytes(c.begin(), c.begin() + 1000 * 512));
  CHECK(b.io(2).read(1100, 500) == Bytes(c.begin() + 1000 * 512, c.end()));
}

TEST_CASE("Plan executor: a transient status is retried from the range Dword 0 names, "
          "after a delay, and the plan completes",
          "[translate][executor]") {
  Bench b;
  const Bytes a = filled(b, 1, 0, 100, 3);
  // The first Copy (100 blocks: ranges 64 + 36) copies range 0, then Command Interrupted.
  b.faults->add_rule(nvme::FaultRule::fail_copy_at_range(
      1, 1, nvme::Status::generic(nvme::kScCommandInterrupted, false)));
  const auto started = std::chrono::steady_clock::now();
  const PlanResult r = b.run({{0, 1, 0, 1, 3000, 100}});
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(10));
  CHECK_FALSE(r.failure.has_value());
  CHECK(r.progress.done_prefixes.at(0) == 100);
  CHECK(b.faults->commands_seen(nvme::kOpcodeCopy) == 2);
  CHECK(r.progress.operation_counter == 1);  // the failed Copy is not counted
  CHECK(b.io(1).read(3000, 100) == a);
}

TEST_CASE("Plan executor: a media error ends the plan with that status and the side it "
          "came from, the extent's progress is the ranges before Dword 0",
          "[translate][executor]") {
  Bench b;
  filled(b, 1, 0, 100, 4);
  SECTION("Unrecovered Read Error: the source's") {
    b.faults->add_rule(nvme::FaultRule::fail_copy_at_range(
        1, 1, nvme::Status::media(nvme::kScUnrecoveredReadError, true)));
    const PlanResult r = b.run({{0, 1, 0, 1, 3000, 100}});
    REQUIRE(r.failure.has_value());
    CHECK(r.failure->status == nvme::Status::media(nvme::kScUnrecoveredReadError, true));
    CHECK(r.failure->read_side);
    CHECK_FALSE(r.stopped);
    CHECK(r.progress.done_prefixes.at(0) == 64);
  }
  SECTION("Write Fault: the destination's") {
    b.faults->add_rule(nvme::FaultRule::fail_copy_at_range(
        1, 0, nvme::Status::media(nvme::kScWriteFault, true)));
    const PlanResult r = b.run({{0, 1, 0, 1, 3000, 100}});
    REQUIRE(r.failure.has_value());
    CHECK(r.failure->status == nvme::Status::media(nvme::kScWriteFault, true));
    CHECK_FALSE(r.failure->read_side);
    CHECK(r.progress.done_prefixes.at(0) == 0);
  }
  CHECK(b.faults->commands_seen(nvme::kOpcodeCopy) == 1);  // never retried
}

TEST_CASE("Plan executor: Invalid Format on a Copy moves the rest by Read and Write, range by "
          "range",
          "[translate][executor]") {
  Bench b;
  const Bytes a = filled(b, 1, 0, 100, 5);
  b.faults->add_rule(nvme::FaultRule::fail_command(1, nvme::Status::invalid_format(), 0,
                                                   nvme::kOpcodeCopy));
  const PlanResult r = b.run({{0, 1, 0, 1, 3000, 100}});
  CHECK_FALSE(r.failure.has_value());
  CHECK(r.progress.done_prefixes.at(0) == 100);
  CHECK(b.faults->commands_seen(nvme::kOpcodeCopy) == 1);
  // The Copy's two ranges (64 + 36 blocks, MSSRL 64), each read and written.
  CHECK(b.faults->commands_seen(nvme::kOpcodeRead) == 2);
  CHECK(b.faults->commands_seen(nvme::kOpcodeWrite) == 2);
  CHECK(r.progress.operation_counter == 4);
  CHECK(b.io(1).read(3000, 100) == a);
}

TEST_CASE("Plan executor: stop() while a command is held sends nothing more, waits for the "
          "held command, and ends stopped with the progress that landed",
          "[translate][executor]") {
  Bench b;
  const Bytes a = filled(b, 1, 0, 1000, 6);
  // 1000 blocks: 8 Copy commands of 128 (the last 104), all in flight; the third is held.
  // Then a barrier extent (it reads what the first writes) waits for all of them.
  b.faults->add_rule(nvme::FaultRule::hold(3, nvme::kOpcodeCopy));
  auto [executor, future] = b.start({{0, 1, 0, 1, 2000, 1000}, {1, 1, 2000, 1, 3500, 10}});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (b.faults->held_count() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(b.faults->held_count() == 1);
  // The other seven complete; then stop.
  while (executor->progress().operation_counter < 7 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(executor->progress().operation_counter == 7);
  executor->stop();
  CHECK(future.wait_for(std::chrono::milliseconds(50)) == std::future_status::timeout);
  CHECK(b.faults->release_held() == 1);  // completes it with Command Abort Requested
  REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  const PlanResult r = future.get();
  CHECK(r.stopped);
  CHECK_FALSE(r.failure.has_value());  // the aborted command is the stop's, not a failure
  CHECK(r.progress.done_prefixes.at(0) == 256);  // commands 1 and 2, in order
  CHECK(r.progress.done_prefixes.at(1) == 0);
  CHECK(b.faults->commands_seen(nvme::kOpcodeCopy) == 8);  // nothing after the stop
  CHECK(b.io(1).read(2000, 256) == Bytes(a.begin(), a.begin() + 256 * 512));
}

TEST_CASE("Plan executor: an empty plan ends at start(), a stop before start() ends it there",
          "[translate][executor]") {
  Bench b;
  int ended = 0;
  PlanResult seen;
  auto executor = std::make_shared<translate::PlanExecutor>(
      translate::CopyPlan{}, b.namespaces(), b.services, 1, [&](const PlanResult& r) {
        ++ended;
        seen = r;
      });
  SECTION("start") {
    executor->start();
    CHECK(ended == 1);
    CHECK_FALSE(seen.stopped);
  }
  SECTION("stop, then start") {
    executor->stop();
    CHECK(ended == 1);
    CHECK(seen.stopped);
    executor->start();
    executor->stop();
    CHECK(ended == 1);  // once
  }
  CHECK(seen.progress.done_prefixes.empty());
  CHECK_FALSE(seen.failure.has_value());
}

}  // namespace xg::test
