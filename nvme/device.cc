#include "nvme/device.h"

#include <condition_variable>
#include <mutex>

namespace xg::nvme {

Completion execute(Device& device, Command command) {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  Completion result;
  device.submit(command, [&](const Completion& c) {
    std::lock_guard lock(mutex);
    result = c;
    done = true;
    cv.notify_one();
  });
  std::unique_lock lock(mutex);
  cv.wait(lock, [&] { return done; });
  return result;
}

}  // namespace xg::nvme
