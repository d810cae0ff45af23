#include "translate/copy_scheduler.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace xg::translate {
namespace {

// One run() loop on this thread's stack. Callbacks granted while it runs are appended to
// `pending` instead of being called, so an inline release() inside a callback costs one
// loop iteration, not one stack frame (10,000 chained releases would otherwise be 10,000
// nested frames). `outer` links loops of other schedulers nested on the same thread.
struct RunLoop {
  const CopyScheduler* owner = nullptr;
  std::deque<CopyScheduler::Granted> pending;
  RunLoop* outer = nullptr;
};

thread_local RunLoop* t_run_loop = nullptr;

}  // namespace

CopyScheduler::CopyScheduler(std::size_t slots_per_device)
    : slots_(std::max<std::size_t>(slots_per_device, 1)) {}

void CopyScheduler::acquire(const nvme::Device* device, JobId job, Granted granted) {
  {
    std::lock_guard lock(mutex_);
    DeviceState& state = devices_[device];
    if (state.in_flight >= slots_) {
      std::deque<Granted>& queue = state.queued[job];
      if (queue.empty()) state.turn.push_back(job);
      queue.push_back(std::move(granted));
      ++state.waiting;
      return;
    }
    // A free slot means nobody waits: release() hands a slot over instead of freeing it
    // while anyone is queued, so granting here cannot jump a queue.
    ++state.in_flight;
  }
  run(std::move(granted));
}

void CopyScheduler::release(const nvme::Device* device) {
  Granted next;
  {
    std::lock_guard lock(mutex_);
    auto it = devices_.find(device);
    if (it == devices_.end() || it->second.in_flight == 0) return;
    DeviceState& state = it->second;
    if (state.turn.empty()) {
      --state.in_flight;
      // Forget idle devices, so a target whose LUs come and go does not grow the map.
      if (state.in_flight == 0) devices_.erase(it);
      return;
    }
    // The slot passes straight to the job whose turn it is (in_flight unchanged); the job
    // goes to the back of the turn order if it still has requests queued.
    const JobId job = state.turn.front();
    state.turn.pop_front();
    auto queue = state.queued.find(job);
    next = std::move(queue->second.front());
    queue->second.pop_front();
    --state.waiting;
    if (queue->second.empty()) {
      state.queued.erase(queue);
    } else {
      state.turn.push_back(job);
    }
  }
  run(std::move(next));
}

std::size_t CopyScheduler::cancel(JobId job) {
  std::vector<std::deque<Granted>> dropped;
  {
    std::lock_guard lock(mutex_);
    for (auto& [device, state] : devices_) {
      auto queue = state.queued.find(job);
      if (queue == state.queued.end()) continue;
      state.waiting -= queue->second.size();
      dropped.push_back(std::move(queue->second));
      state.queued.erase(queue);
      state.turn.erase(std::find(state.turn.begin(), state.turn.end(), job));
    }
  }
  std::size_t count = 0;
  for (const auto& queue : dropped) count += queue.size();
  // `dropped` is destroyed here, unlocked: a callback's captures (the job's shared_ptr)
  // may run arbitrary code on destruction.
  return count;
}

std::size_t CopyScheduler::in_flight(const nvme::Device* device) const {
  std::lock_guard lock(mutex_);
  auto it = devices_.find(device);
  return it == devices_.end() ? 0 : it->second.in_flight;
}

std::size_t CopyScheduler::waiting(const nvme::Device* device) const {
  std::lock_guard lock(mutex_);
  auto it = devices_.find(device);
  return it == devices_.end() ? 0 : it->second.waiting;
}

void CopyScheduler::run(Granted granted) {
  for (RunLoop* loop = t_run_loop; loop != nullptr; loop = loop->outer) {
    if (loop->owner == this) {
      loop->pending.push_back(std::move(granted));
      return;
    }
  }
  RunLoop loop;
  loop.owner = this;
  loop.outer = t_run_loop;
  loop.pending.push_back(std::move(granted));
  t_run_loop = &loop;
  // Unlinks the loop even if a callback throws, so the thread_local never dangles.
  struct Unlink {
    RunLoop& loop;
    ~Unlink() { t_run_loop = loop.outer; }
  } unlink{loop};
  while (!loop.pending.empty()) {
    Granted next = std::move(loop.pending.front());
    loop.pending.pop_front();
    if (next) next();
  }
}

}  // namespace xg::translate
