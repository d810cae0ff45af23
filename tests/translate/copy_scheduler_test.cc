// The copy scheduler (translate/copy_scheduler.h): the per-device bound, hand-over on
// release, round robin among jobs, cancel, callbacks that release inline, and a
// multithreaded stress run.
#include "translate/copy_scheduler.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/catch.h"

namespace xg::test {
namespace {

using translate::CopyScheduler;

// The scheduler only compares device pointers, so any distinct addresses serve as devices.
char device_storage[2];
const nvme::Device* const kDeviceX = reinterpret_cast<const nvme::Device*>(&device_storage[0]);
const nvme::Device* const kDeviceY = reinterpret_cast<const nvme::Device*>(&device_storage[1]);

TEST_CASE("Scheduler: grants at once up to the limit, queues beyond it", "[scheduler]") {
  CHECK(CopyScheduler().slots_per_device() == CopyScheduler::kSlotsPerDevice);
  CHECK(CopyScheduler(0).slots_per_device() == 1);

  CopyScheduler scheduler(3);
  std::vector<std::size_t> seen_in_flight;
  std::size_t granted = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    scheduler.acquire(kDeviceX, 1, [&] {
      ++granted;
      // Calling back into the scheduler proves the callback runs without its mutex held.
      seen_in_flight.push_back(scheduler.in_flight(kDeviceX));
    });
    CHECK(granted == std::min<std::size_t>(i + 1, 3));
  }
  CHECK(seen_in_flight == std::vector<std::size_t>{1, 2, 3});
  CHECK(scheduler.in_flight(kDeviceX) == 3);
  CHECK(scheduler.waiting(kDeviceX) == 2);
}

TEST_CASE("Scheduler: a release hands the slot to the next waiting job, else frees it",
          "[scheduler]") {
  CopyScheduler scheduler(1);
  std::vector<std::string> grants;
  scheduler.acquire(kDeviceX, 1, [&] { grants.push_back("job1"); });
  scheduler.acquire(kDeviceX, 2, [&] { grants.push_back("job2"); });
  CHECK(grants == std::vector<std::string>{"job1"});
  CHECK(scheduler.waiting(kDeviceX) == 1);

  scheduler.release(kDeviceX);
  CHECK(grants == std::vector<std::string>{"job1", "job2"});
  CHECK(scheduler.in_flight(kDeviceX) == 1);  // handed over, not freed and retaken
  CHECK(scheduler.waiting(kDeviceX) == 0);

  scheduler.release(kDeviceX);
  CHECK(scheduler.in_flight(kDeviceX) == 0);
  scheduler.release(kDeviceX);  // nothing held: ignored, no underflow
  CHECK(scheduler.in_flight(kDeviceX) == 0);

  scheduler.acquire(kDeviceX, 3, [&] { grants.push_back("job3"); });
  CHECK(grants.back() == "job3");
  CHECK(scheduler.in_flight(kDeviceX) == 1);
}

TEST_CASE("Scheduler: slots go round robin among waiting jobs, each job's requests in order",
          "[scheduler]") {
  CopyScheduler scheduler(1);
  std::vector<std::string> grants;
  scheduler.acquire(kDeviceX, 99, [] {});  // holds the only slot while A and B queue
  for (int i = 0; i < 10; ++i) {
    scheduler.acquire(kDeviceX, 1, [&grants, i] { grants.push_back("A" + std::to_string(i)); });
  }
  for (int i = 0; i < 2; ++i) {
    scheduler.acquire(kDeviceX, 2, [&grants, i] { grants.push_back("B" + std::to_string(i)); });
  }
  CHECK(scheduler.waiting(kDeviceX) == 12);
  for (int i = 0; i < 12; ++i) scheduler.release(kDeviceX);
  // B queued its 2 after all 10 of A's, yet does not wait for them: one slot each per turn.
  CHECK(grants == std::vector<std::string>{"A0", "B0", "A1", "B1", "A2", "A3", "A4", "A5", "A6",
                                           "A7", "A8", "A9"});
  CHECK(scheduler.in_flight(kDeviceX) == 1);
  CHECK(scheduler.waiting(kDeviceX) == 0);
}

TEST_CASE("Scheduler: two devices do not share slots", "[scheduler]") {
  CopyScheduler scheduler(2);
  std::size_t x_granted = 0;
  std::size_t y_granted = 0;
  for (int i = 0; i < 3; ++i) scheduler.acquire(kDeviceX, 1, [&] { ++x_granted; });
  for (int i = 0; i < 2; ++i) scheduler.acquire(kDeviceY, 1, [&] { ++y_granted; });
  CHECK(x_granted == 2);
  CHECK(y_granted == 2);  // X being full does not hold Y back
  CHECK(scheduler.waiting(kDeviceX) == 1);
  CHECK(scheduler.waiting(kDeviceY) == 0);

  scheduler.release(kDeviceY);  // a slot on Y is no use to X's waiter
  CHECK(x_granted == 2);
  CHECK(scheduler.in_flight(kDeviceY) == 1);
  scheduler.release(kDeviceX);
  CHECK(x_granted == 3);
  CHECK(scheduler.in_flight(kDeviceX) == 2);
}

TEST_CASE("Scheduler: cancel drops only that job's waiting requests, later releases skip it",
          "[scheduler]") {
  CopyScheduler scheduler(1);
  std::vector<std::string> grants;
  auto capture = std::make_shared<int>(0);  // stands for the job a callback keeps alive
  scheduler.acquire(kDeviceX, 1, [&] { grants.push_back("A-held"); });
  scheduler.acquire(kDeviceY, 3, [&] { grants.push_back("C-held"); });
  for (int i = 0; i < 3; ++i) {
    scheduler.acquire(kDeviceX, 1, [&grants, capture] { grants.push_back("A"); });
  }
  scheduler.acquire(kDeviceY, 1, [&grants, capture] { grants.push_back("A"); });
  for (int i = 0; i < 2; ++i) {
    scheduler.acquire(kDeviceX, 2, [&grants, i] { grants.push_back("B" + std::to_string(i)); });
  }
  CHECK(capture.use_count() == 5);

  CHECK(scheduler.cancel(1) == 4);  // 3 on X and 1 on Y
  CHECK(capture.use_count() == 1);  // the dropped callbacks were destroyed, not kept
  CHECK(scheduler.waiting(kDeviceX) == 2);
  CHECK(scheduler.waiting(kDeviceY) == 0);
  CHECK(scheduler.in_flight(kDeviceX) == 1);  // A's granted slot is still A's to release
  CHECK(scheduler.cancel(1) == 0);
  CHECK(scheduler.cancel(42) == 0);

  for (int i = 0; i < 3; ++i) scheduler.release(kDeviceX);
  scheduler.release(kDeviceY);
  CHECK(grants == std::vector<std::string>{"A-held", "C-held", "B0", "B1"});
  CHECK(scheduler.in_flight(kDeviceX) == 0);
  CHECK(scheduler.in_flight(kDeviceY) == 0);
}

TEST_CASE(
    "Scheduler: callbacks that release or acquire inline run one after another, not "
    "nested",
    "[scheduler]") {
  SECTION("10000 queued requests, limit 1, each callback releases inline") {
    CopyScheduler scheduler(1);
    constexpr int kRequests = 10000;
    int depth = 0;
    int max_depth = 0;
    int ran = 0;
    scheduler.acquire(kDeviceX, 0, [] {});
    for (int i = 0; i < kRequests; ++i) {
      scheduler.acquire(kDeviceX, static_cast<CopyScheduler::JobId>(1 + i % 3), [&] {
        max_depth = std::max(max_depth, ++depth);
        ++ran;
        scheduler.release(kDeviceX);  // a completion delivered inline by the device
        --depth;
      });
    }
    CHECK(ran == 0);
    scheduler.release(kDeviceX);
    CHECK(ran == kRequests);
    CHECK(max_depth == 1);  // recursion would nest each grant inside the one before
    CHECK(scheduler.in_flight(kDeviceX) == 0);
    CHECK(scheduler.waiting(kDeviceX) == 0);
  }
  SECTION("an acquire inside a callback runs its grant after that callback returns") {
    CopyScheduler scheduler(2);
    std::vector<std::string> events;
    scheduler.acquire(kDeviceX, 1, [&] {
      events.push_back("outer begins");
      scheduler.acquire(kDeviceX, 1, [&] { events.push_back("inner"); });
      events.push_back("outer ends");
    });
    CHECK(events == std::vector<std::string>{"outer begins", "outer ends", "inner"});
    CHECK(scheduler.in_flight(kDeviceX) == 2);
  }
}

TEST_CASE(
    "Scheduler: 4 threads acquiring and releasing never exceed the limit, every "
    "callback runs exactly once",
    "[scheduler]") {
  constexpr std::size_t kLimit = 3;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 3000;
  CopyScheduler scheduler(kLimit);
  const nvme::Device* const devices[2] = {kDeviceX, kDeviceY};

  // `active` counts callbacks between their start and the release they pay back with, so
  // it is at most what the scheduler granted at any moment.
  std::atomic<std::size_t> active[2] = {0, 0};
  std::atomic<std::size_t> max_active{0};
  std::atomic<bool> in_flight_over_limit{false};
  std::vector<std::atomic<int>> ran(kThreads * kPerThread);
  std::mutex held_mutex;
  std::vector<int> held;  // devices of slots granted and not yet released

  auto release_one_held = [&]() -> bool {
    int d = 0;
    {
      std::lock_guard lock(held_mutex);
      if (held.empty()) return false;
      d = held.back();
      held.pop_back();
    }
    --active[d];
    scheduler.release(devices[d]);
    return true;
  };

  auto worker = [&](int t) {
    for (int i = 0; i < kPerThread; ++i) {
      const int d = (i + t) % 2;
      const std::size_t request = static_cast<std::size_t>(t * kPerThread + i);
      const bool inline_release = i % 2 == 0;
      const auto job = static_cast<CopyScheduler::JobId>(t * 10 + i % 3);
      scheduler.acquire(devices[d], job, [&, d, request, inline_release] {
        ++ran[request];
        const std::size_t now = ++active[d];
        std::size_t seen = max_active.load();
        while (now > seen && !max_active.compare_exchange_weak(seen, now)) {
        }
        if (scheduler.in_flight(devices[d]) > kLimit) in_flight_over_limit = true;
        if (inline_release) {
          --active[d];
          scheduler.release(devices[d]);
        } else {
          std::lock_guard lock(held_mutex);
          held.push_back(d);
        }
      });
      if (i % 3 == 0) release_one_held();
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  for (auto& thread : threads) thread.join();
  // Each release grants the next waiter, which may hold its slot in turn: drain until none.
  while (release_one_held()) {
  }

  CHECK(max_active.load() <= kLimit);
  CHECK(max_active.load() > 0);
  CHECK_FALSE(in_flight_over_limit.load());
  std::size_t not_once = 0;
  for (const auto& count : ran) not_once += count.load() == 1 ? 0 : 1;
  CHECK(not_once == 0);
  for (const nvme::Device* device : devices) {
    CHECK(scheduler.in_flight(device) == 0);
    CHECK(scheduler.waiting(device) == 0);
  }
}

}  // namespace
}  // namespace xg::test
