// The ioctl submission path: NVME_IOCTL_IO64_CMD (include/uapi/linux/nvme_ioctl.h,
// drivers/nvme/host/ioctl.c nvme_user_cmd64) on a small pool
// of worker threads. The ioctl blocks its thread until the command completes, so the pool
// bounds the queue depth of this path at its thread count; submit() only enqueues.
#include <linux/nvme_ioctl.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "nvme/linux/passthrough_engine.h"

namespace xg::nvme::passthrough {

static_assert(sizeof(nvme_passthru_cmd64) == 80, "linux/nvme_ioctl.h: cmd64 is 80 bytes");
static_assert(sizeof(nvme_uring_cmd) == 72, "linux/nvme_ioctl.h: uring cmd is 72 bytes");

namespace {

template <class Cmd>
void fill_common(const SubmissionEntry& sqe, std::span<std::uint8_t> data,
                 std::uint32_t timeout_ms, Cmd& out) {
  std::memset(&out, 0, sizeof out);
  out.opcode = sqe.opcode;
  out.flags = 0;  // FUSE/PSDT: the kernel rejects anything but 0 (EINVAL)
  out.nsid = sqe.nsid;
  out.cdw2 = sqe.cdw2;
  out.cdw3 = sqe.cdw3;
  out.addr = data.empty() ? 0 : reinterpret_cast<std::uintptr_t>(data.data());
  out.data_len = static_cast<std::uint32_t>(data.size());
  out.cdw10 = sqe.cdw10;
  out.cdw11 = sqe.cdw11;
  out.cdw12 = sqe.cdw12;
  out.cdw13 = sqe.cdw13;
  out.cdw14 = sqe.cdw14;
  out.cdw15 = sqe.cdw15;
  out.timeout_ms = timeout_ms;
}

class IoctlEngine final : public Engine {
 public:
  IoctlEngine(unsigned threads, std::uint32_t timeout_ms) : timeout_ms_(timeout_ms) {
    if (threads == 0) threads = 1;
    for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { run(); });
  }

  ~IoctlEngine() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& worker : workers_) worker.join();
  }

  void issue(int fd, const SubmissionEntry& sqe, std::span<std::uint8_t> data,
             RawHandler done) override {
    post([this, fd, sqe, data, done = std::move(done)] {
      nvme_passthru_cmd64 cmd;
      fill_passthru_cmd64(sqe, data, timeout_ms_, cmd);
      const int rc = ::ioctl(fd, NVME_IOCTL_IO64_CMD, &cmd);
      // `result` is written back whenever the ioctl returns >= 0, NVMe errors included
      // (that is how a failed Copy's DW0 arrives; drivers/nvme/host/ioctl.c
      // nvme_user_cmd64 copies it out whenever the status is >= 0).
      done(rc < 0 ? -errno : rc, rc < 0 ? 0 : cmd.result);
    });
  }

  void post(std::function<void()> fn) override {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(fn));
    }
    wake_.notify_one();
  }

  int register_buffers(std::span<const std::span<std::uint8_t>>) override { return 0; }

 private:
  // A worker leaves only when stopping, the queue is empty and no other worker is running
  // a task: a running task's handler may still queue more (a fused Write after its
  // Compare, a command released by the namespace lock).
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return !queue_.empty() || (stopping_ && running_ == 0); });
      if (queue_.empty()) {
        wake_.notify_all();
        return;
      }
      auto task = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
      lock.unlock();
      task();
      lock.lock();
      --running_;
      if (stopping_ && running_ == 0 && queue_.empty()) wake_.notify_all();
    }
  }

  const std::uint32_t timeout_ms_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  unsigned running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace

void fill_uring_cmd(const SubmissionEntry& sqe, std::span<std::uint8_t> data,
                    std::uint32_t timeout_ms, nvme_uring_cmd& out) {
  fill_common(sqe, data, timeout_ms, out);
}

void fill_passthru_cmd64(const SubmissionEntry& sqe, std::span<std::uint8_t> data,
                         std::uint32_t timeout_ms, nvme_passthru_cmd64& out) {
  fill_common(sqe, data, timeout_ms, out);
}

std::unique_ptr<Engine> make_ioctl_engine(unsigned threads, std::uint32_t timeout_ms) {
  return std::make_unique<IoctlEngine>(threads, timeout_ms);
}

}  // namespace xg::nvme::passthrough
