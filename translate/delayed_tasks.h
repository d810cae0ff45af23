// Runs callbacks after a delay on one thread of its own: the copy manager's retry timer
// (a transient NVMe status is retried 10-80 ms later, translate/copy_retry.h).
//
// The thread holds only shared state, never `this`, and the destructor detaches instead of
// joining when it runs on that very thread (a task may drop the last reference to the
// owner). Tasks still pending at destruction are dropped unrun; the copy manager has none
// then, since every pending retry keeps its job, and so the manager, alive.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace xg::translate {

class DelayedTasks {
 public:
  DelayedTasks();
  ~DelayedTasks();
  DelayedTasks(const DelayedTasks&) = delete;
  DelayedTasks& operator=(const DelayedTasks&) = delete;

  // `task` runs once, on the timer thread, no earlier than `delay` from now.
  void run_after(std::chrono::milliseconds delay, std::function<void()> task);

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable wake;
    std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> due;
    bool stopping = false;
  };
  static void loop(const std::shared_ptr<State>& state);

  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::thread thread_;
};

}  // namespace xg::translate
