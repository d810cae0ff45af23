#include "translate/delayed_tasks.h"

#include <utility>

namespace xg::translate {

DelayedTasks::DelayedTasks() : thread_([state = state_] { loop(state); }) {}

DelayedTasks::~DelayedTasks() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();  // the last task dropped our owner; the loop ends on its own
  } else {
    thread_.join();
  }
}

void DelayedTasks::run_after(std::chrono::milliseconds delay, std::function<void()> task) {
  {
    std::lock_guard lock(state_->mutex);
    state_->due.emplace(std::chrono::steady_clock::now() + delay, std::move(task));
  }
  state_->wake.notify_all();
}

void DelayedTasks::loop(const std::shared_ptr<State>& state) {
  std::unique_lock lock(state->mutex);
  while (!state->stopping) {
    if (state->due.empty()) {
      state->wake.wait(lock);
      continue;
    }
    const auto first = state->due.begin();
    if (first->first > std::chrono::steady_clock::now()) {
      state->wake.wait_until(lock, first->first);
      continue;
    }
    std::function<void()> task = std::move(first->second);
    state->due.erase(first);
    lock.unlock();
    task();
    task = nullptr;  // destroyed before the lock is taken again: it may own our owner
    lock.lock();
  }
  auto dropped = std::move(state->due);
  lock.unlock();  // as above: a dropped task may own our owner
  dropped.clear();
}

}  // namespace xg::translate
