// Internal to nvme/linux: the two ways PassthroughDevice gets a command to the kernel
// (include/uapi/linux/nvme_ioctl.h: NVME_IOCTL_IO64_CMD, NVME_URING_CMD_IO). Not included
// outside nvme/linux and its tests.
//
// An Engine sends one NVMe I/O command on one namespace fd and later calls `done` with the
// kernel's answer: `res` >= 0 is the 15-bit NVMe status, < 0 is -errno; `result` is CQE
// DW0 | DW1 << 32. `done` runs on an engine-owned thread, never inside issue(), and may
// call issue()/post() again. issue() and post() never block on I/O. Destroying an engine
// waits until everything issued or posted (including work issued by handlers while it
// drains) has completed and its handler has returned.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "nvme/submission_entry.h"

struct nvme_uring_cmd;
struct nvme_passthru_cmd64;

namespace xg::nvme::passthrough {

using RawHandler = std::function<void(int res, std::uint64_t result)>;

class Engine {
 public:
  virtual ~Engine() = default;
  virtual void issue(int fd, const SubmissionEntry& sqe, std::span<std::uint8_t> data,
                     RawHandler done) = 0;
  // Runs `fn` on an engine thread (completions decided without the kernel).
  virtual void post(std::function<void()> fn) = 0;
  // Fixed buffers (io_uring only); 0 or -errno.
  virtual int register_buffers(std::span<const std::span<std::uint8_t>> buffers) = 0;
};

// NVME_IOCTL_IO64_CMD on `threads` workers.
std::unique_ptr<Engine> make_ioctl_engine(unsigned threads, std::uint32_t timeout_ms);

// io_uring with SQE128|CQE32. Probes uring_cmd on `probe_fd` first: returns nullptr and
// sets `why` when the ring cannot be set up or the kernel/node lacks NVMe uring_cmd.
std::unique_ptr<Engine> make_uring_engine(unsigned queue_depth, std::uint32_t timeout_ms,
                                          int probe_fd, std::string& why);

// The kernel command structures (<linux/nvme_ioctl.h>) from an SQE. FUSE/PSDT are sent as
// 0 and DPTR/MPTR are replaced by `data` (the kernel maps it).
void fill_uring_cmd(const SubmissionEntry& sqe, std::span<std::uint8_t> data,
                    std::uint32_t timeout_ms, nvme_uring_cmd& out);
void fill_passthru_cmd64(const SubmissionEntry& sqe, std::span<std::uint8_t> data,
                         std::uint32_t timeout_ms, nvme_passthru_cmd64& out);

}  // namespace xg::nvme::passthrough
