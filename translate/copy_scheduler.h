// The copy scheduler: one per SCSI target, it bounds the NVMe commands that all EXTENDED
// COPY jobs together keep in flight on one device, and shares those slots round robin among
// the jobs waiting for that device.
//
// Why: each copy keeps up to kSlotsPerDevice commands in flight on its own. Without a shared bound,
// a few concurrent copies fill the device's queue and the ordinary READ/WRITE of other
// sessions wait behind them; and with first-come grants, one big copy (thousands of
// commands queued) starves a small copy from another session. So:
//   - at most `slots_per_device` copy commands per device are granted at any time;
//   - when a slot is released and jobs are waiting, it goes to the next job in round-robin
//     order (each job's own requests stay FIFO), so every waiting job gets one slot per
//     turn however many it queued.
//
// Callbacks never run under the scheduler's mutex: a granted callback typically submits an
// NVMe command whose completion calls release() on another thread, or inline. Callbacks
// also never nest on one thread: one granted from inside another callback (an inline
// release() or acquire()) is run by the outermost scheduler call on that thread after the
// current callback returns. The stack therefore holds at most one of its granted callbacks per
// thread whatever the chain of inline releases, and a callback may freely call acquire(),
// release() and cancel().
//
// No threads, no timers, no exceptions of its own. The copy manager owns one; every
// step of a copy plan (translate/plan_executor.h) holds a slot while its commands run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace xg::nvme {
class Device;
}

namespace xg::translate {

class CopyScheduler {
 public:
  using JobId = std::uint64_t;
  using Granted = std::function<void()>;

  // Also one plan's own window (plan_executor.h): all copies together take what a single
  // copy may, the rest of the queue stays for host I/O. SPDK's bdev layer likewise keeps at
  // most 8 children of a split copy in flight.
  static constexpr std::size_t kSlotsPerDevice = 8;

  // slots_per_device 0 is taken as 1: a scheduler that never grants would hang every copy.
  explicit CopyScheduler(std::size_t slots_per_device = kSlotsPerDevice);

  CopyScheduler(const CopyScheduler&) = delete;
  CopyScheduler& operator=(const CopyScheduler&) = delete;

  // Asks for one slot on `device` for `job`. If one is free, `granted` runs before acquire
  // returns (after the current callback, when called from inside one); otherwise it is
  // queued and runs later, inside some release(), in round-robin order among the jobs.
  // Every grant is paid back with exactly one release(device).
  void acquire(const nvme::Device* device, JobId job, Granted granted);

  // Returns a slot on `device`; hands it to the next waiting job in round-robin order and
  // runs that job's callback. A release without a slot held is ignored.
  void release(const nvme::Device* device);

  // Drops every queued (not yet granted) request of `job` on every device and returns how
  // many were dropped (a stopped or aborted copy). Slots already granted are unaffected and
  // are paid back with release() as usual. The dropped callbacks are destroyed unrun,
  // outside the mutex.
  std::size_t cancel(JobId job);

  // Introspection for tests and logs.
  std::size_t in_flight(const nvme::Device* device) const;
  std::size_t waiting(const nvme::Device* device) const;
  std::size_t slots_per_device() const { return slots_; }

 private:
  struct DeviceState {
    std::size_t in_flight = 0;
    std::size_t waiting = 0;
    // Jobs with queued requests, in turn order; each appears once.
    std::deque<JobId> turn;
    std::unordered_map<JobId, std::deque<Granted>> queued;
  };

  // Runs `granted` now, or hands it to this thread's outer run() of this scheduler.
  void run(Granted granted);

  const std::size_t slots_;
  mutable std::mutex mutex_;
  std::unordered_map<const nvme::Device*, DeviceState> devices_;
};

}  // namespace xg::translate
