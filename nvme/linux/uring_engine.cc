// The io_uring submission path (Linux 5.19+, drivers/nvme/host/ioctl.c nvme_uring_cmd_io;
// include/uapi/linux/nvme_ioctl.h): IORING_OP_URING_CMD with cmd_op
// NVME_URING_CMD_IO on a ring set up with IORING_SETUP_SQE128 | IORING_SETUP_CQE32, the
// 72-byte struct nvme_uring_cmd at SQE offset 48, status in cqe->res and the 64-bit
// result (DW0 | DW1 << 32) in big_cqe[0].
//
// At most queue_depth commands are in the ring at once (one slot each, user_data = slot);
// more wait in a backlog that the completion thread moves into the ring as slots free up,
// with one io_uring_submit for the whole batch. That also keeps the CQ (2 x depth entries)
// from ever overflowing.
#include <linux/nvme_ioctl.h>
#include <liburing.h>
#include <sys/uio.h>

#include <cerrno>
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "nvme/linux/passthrough_engine.h"

namespace xg::nvme::passthrough {
namespace {

static_assert(offsetof(io_uring_sqe, cmd) == 48,
              "include/uapi/linux/io_uring.h: uring cmd at SQE byte 48");

constexpr std::uint64_t kStopToken = ~std::uint64_t{0};

struct Request {
  int fd = -1;
  SubmissionEntry sqe;
  std::span<std::uint8_t> data;
  RawHandler done;             // a kernel command, or
  std::function<void()> post;  // a NOP that only carries a local completion
};

// Writes the 128-byte SQE by hand (liburing 2.3 has no uring_cmd helper).
void prepare_sqe(io_uring_sqe* sqe, const Request& request, std::uint64_t user_data,
                 std::uint32_t timeout_ms, int fixed_index) {
  std::memset(sqe, 0, 128);
  sqe->user_data = user_data;
  if (request.post) {
    sqe->opcode = IORING_OP_NOP;
    return;
  }
  sqe->opcode = IORING_OP_URING_CMD;
  sqe->fd = request.fd;
  sqe->cmd_op = NVME_URING_CMD_IO;
  if (fixed_index >= 0) {
    sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
    sqe->buf_index = static_cast<std::uint16_t>(fixed_index);
  }
  nvme_uring_cmd cmd;
  fill_uring_cmd(request.sqe, request.data, timeout_ms, cmd);
  // The cmd area is a zero-length array in the UAPI header; copy through the SQE's object
  // representation (char access is always allowed).
  std::memcpy(reinterpret_cast<unsigned char*>(sqe) + offsetof(io_uring_sqe, cmd), &cmd,
              sizeof cmd);
}

class UringEngine final : public Engine {
 public:
  UringEngine(io_uring ring, unsigned depth, std::uint32_t timeout_ms)
      : ring_(ring), timeout_ms_(timeout_ms), slots_(depth) {
    for (unsigned i = depth; i > 0; --i) free_.push_back(i - 1);
    reaper_ = std::thread([this] { reap(); });
  }

  ~UringEngine() override {
    {
      std::unique_lock lock(mutex_);
      drained_.wait(lock, [this] { return outstanding_ == 0; });
      io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
      if (sqe == nullptr) {  // cannot happen with nothing in flight; be safe anyway
        io_uring_submit(&ring_);
        sqe = io_uring_get_sqe(&ring_);
      }
      std::memset(sqe, 0, 128);
      sqe->opcode = IORING_OP_NOP;
      sqe->user_data = kStopToken;
      io_uring_submit(&ring_);
    }
    reaper_.join();
    io_uring_queue_exit(&ring_);
  }

  void issue(int fd, const SubmissionEntry& sqe, std::span<std::uint8_t> data,
             RawHandler done) override {
    enqueue(Request{fd, sqe, data, std::move(done), {}});
  }

  void post(std::function<void()> fn) override { enqueue(Request{-1, {}, {}, {}, std::move(fn)}); }

  int register_buffers(std::span<const std::span<std::uint8_t>> buffers) override {
    std::lock_guard lock(mutex_);
    if (!fixed_.empty()) {
      io_uring_unregister_buffers(&ring_);
      fixed_.clear();
    }
    if (buffers.empty()) return 0;
    std::vector<iovec> iov;
    for (const auto& buffer : buffers) iov.push_back({buffer.data(), buffer.size()});
    const int rc = io_uring_register_buffers(&ring_, iov.data(), static_cast<unsigned>(iov.size()));
    if (rc == 0) fixed_.assign(buffers.begin(), buffers.end());
    return rc;
  }

 private:
  void enqueue(Request request) {
    std::lock_guard lock(mutex_);
    ++outstanding_;
    backlog_.push_back(std::move(request));
    if (fill_ring_locked() > 0) submit_locked();
  }

  // Hands every prepared SQE to the kernel. io_uring_submit() may take fewer than are
  // prepared (without IORING_SETUP_SUBMIT_ALL an SQE that fails its prep ends the batch;
  // its CQE carries the error) or fail with -EAGAIN/-EBUSY/-EINTR. An SQE left in the SQ
  // ring would otherwise wait for the next, unrelated submission: forever when none
  // comes. The retries are bounded because the reaper needs mutex_ to free CQ space.
  void submit_locked() {
    unsigned retries = 0;
    while (io_uring_sq_ready(&ring_) > 0) {
      const int rc = io_uring_submit(&ring_);
      if (rc > 0) {
        retries = 0;
        continue;
      }
      if (rc != 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) break;
      if (++retries > 64) break;  // left queued: the next submission tries again
      std::this_thread::yield();
    }
  }

  // Moves backlog entries into free slots; returns how many SQEs were prepared.
  unsigned fill_ring_locked() {
    unsigned prepared = 0;
    while (!backlog_.empty() && !free_.empty()) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
      if (sqe == nullptr) break;
      const unsigned slot = free_.back();
      free_.pop_back();
      slots_[slot] = std::move(backlog_.front());
      backlog_.pop_front();
      prepare_sqe(sqe, slots_[slot], slot, timeout_ms_, fixed_index(slots_[slot].data));
      ++prepared;
    }
    return prepared;
  }

  int fixed_index(std::span<std::uint8_t> data) const {
    if (data.empty()) return -1;
    for (std::size_t i = 0; i < fixed_.size(); ++i) {
      const auto* begin = fixed_[i].data();
      if (data.data() >= begin && data.data() + data.size() <= begin + fixed_[i].size()) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  void reap() {
    std::vector<std::pair<Request, io_uring_cqe>> batch;
    for (;;) {
      io_uring_cqe* cqe = nullptr;
      const int rc = io_uring_wait_cqe(&ring_, &cqe);
      if (rc == -EINTR || rc == -EAGAIN) continue;
      if (rc < 0) return;  // the ring is broken; nothing sensible left to do
      bool stop = false;
      {
        std::lock_guard lock(mutex_);
        unsigned head = 0;
        unsigned seen = 0;
        io_uring_for_each_cqe(&ring_, head, cqe) {
          ++seen;
          if (cqe->user_data == kStopToken) {
            stop = true;
            continue;
          }
          const auto slot = static_cast<unsigned>(cqe->user_data);
          batch.emplace_back(std::move(slots_[slot]), *cqe);  // res; the 16-byte base CQE
          result_of_.push_back(cqe->big_cqe[0]);  // CQE32: DW0 | DW1 << 32
          free_.push_back(slot);
        }
        io_uring_cq_advance(&ring_, seen);
        fill_ring_locked();
        submit_locked();  // also retries SQEs an earlier short submit left behind
      }
      for (std::size_t i = 0; i < batch.size(); ++i) {
        Request& request = batch[i].first;
        if (request.post) {
          request.post();
        } else {
          request.done(batch[i].second.res, result_of_[i]);
        }
      }
      {
        std::lock_guard lock(mutex_);
        outstanding_ -= batch.size();
        if (outstanding_ == 0) drained_.notify_all();
      }
      batch.clear();
      result_of_.clear();
      if (stop) return;
    }
  }

  io_uring ring_;
  const std::uint32_t timeout_ms_;
  std::mutex mutex_;
  std::condition_variable drained_;
  std::vector<Request> slots_;
  std::vector<unsigned> free_;
  std::deque<Request> backlog_;
  std::vector<std::span<std::uint8_t>> fixed_;
  std::vector<std::uint64_t> result_of_;  // reaper-only: big_cqe[0] of batch[i]
  std::size_t outstanding_ = 0;           // issued or posted, handler not yet returned
  std::thread reaper_;
};

// Sends a uring_cmd with an unknown cmd_op: a node whose driver implements NVMe uring_cmd
// answers -ENOTTY (nvme_ns_uring_cmd's default case); a kernel or node without it answers
// -EOPNOTSUPP (no f_op->uring_cmd, e.g. the block node) or -EINVAL (opcode unknown before
// Linux 5.19). Harmless: nothing reaches the controller.
int probe_uring_cmd(io_uring& ring, int fd) {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (sqe == nullptr) return -EBUSY;
  std::memset(sqe, 0, 128);
  sqe->opcode = IORING_OP_URING_CMD;
  sqe->fd = fd;
  sqe->cmd_op = 0;
  sqe->user_data = 1;
  int rc = io_uring_submit(&ring);
  if (rc < 0) return rc;
  io_uring_cqe* cqe = nullptr;
  rc = io_uring_wait_cqe(&ring, &cqe);
  if (rc < 0) return rc;
  const int res = cqe->res;
  io_uring_cqe_seen(&ring, cqe);
  return res == -ENOTTY ? 0 : (res == 0 ? -EPROTO : res);
}

}  // namespace

std::unique_ptr<Engine> make_uring_engine(unsigned queue_depth, std::uint32_t timeout_ms,
                                          int probe_fd, std::string& why) {
  if (queue_depth == 0) queue_depth = 1;
  io_uring ring;
  // SUBMIT_ALL (Linux 5.18+): an SQE that fails its prep does not stop the rest of the
  // batch. Older kernels refuse the flag (EINVAL); submit_locked() copes without it.
  int rc = io_uring_queue_init(queue_depth, &ring,
                               IORING_SETUP_SQE128 | IORING_SETUP_CQE32 |
                                   IORING_SETUP_SUBMIT_ALL);
  if (rc == -EINVAL) {
    rc = io_uring_queue_init(queue_depth, &ring, IORING_SETUP_SQE128 | IORING_SETUP_CQE32);
  }
  if (rc < 0) {
    why = std::string("io_uring_queue_init(SQE128|CQE32) failed: ") + std::strerror(-rc);
    return nullptr;
  }
  rc = probe_uring_cmd(ring, probe_fd);
  if (rc < 0) {
    why = std::string("NVMe uring_cmd unavailable (probe answered ") + std::strerror(-rc) +
          "; needs Linux 5.19+ and a /dev/ngXnY node)";
    io_uring_queue_exit(&ring);
    return nullptr;
  }
  return std::make_unique<UringEngine>(ring, queue_depth, timeout_ms);
}

}  // namespace xg::nvme::passthrough
