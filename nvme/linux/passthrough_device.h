// PassthroughDevice: nvme::Device on Linux NVMe generic namespace nodes (/dev/ngXnY;
// include/uapi/linux/nvme_ioctl.h, drivers/nvme/host/ioctl.c). One object drives one controller and
// may hold several of its namespaces: one file descriptor per namespace. Linux requires the NSID in
// each command to equal the namespace of the fd it is sent on (else EINVAL,
// drivers/nvme/host/ioctl.c; measured on Linux 6.1), so the SQE's NSID selects the fd; an NSID this
// object did not open completes with Invalid Namespace or Format (0x400B) without reaching the
// kernel.
//
// Submission paths (both always compiled, chosen at open()):
//   kIoUring  io_uring IORING_OP_URING_CMD / NVME_URING_CMD_IO (Linux 5.19+), ring set up
//             with IORING_SETUP_SQE128 | IORING_SETUP_CQE32. One completion thread
//             reaps CQEs: status from cqe->res, DW0/DW1 from big_cqe[0]. Buffers given to
//             register_buffers() are sent as fixed buffers (IORING_URING_CMD_FIXED,
//             Linux 6.1+).
//   kIoctl    NVME_IOCTL_IO64_CMD (§5.2) on a small pool of worker threads, so submit()
//             never blocks. Used when uring_cmd is missing (probe answers -EOPNOTSUPP or
//             the ring cannot be set up) or when forced by PassthroughOptions::path.
// Identify Controller / Namespace are read once at open() with NVME_IOCTL_ADMIN_CMD (§5.7).
//
// Command mapping: OPC, NSID, CDW2/3 and CDW10..15 are sent as given; FUSE and PSDT are
// sent as 0 (the kernel rejects non-zero flags and builds the data pointer itself from
// Command::data). MPTR is not supported (no separate metadata buffer).
//
// Completion mapping: a kernel return >= 0 is the 15-bit NVMe status (Status::from_linux);
// a negative errno (the command never got an NVMe completion) maps to a host-side status:
//   EINVAL, EFAULT, E2BIG, EOPNOTSUPP -> Invalid Field in Command (0x4002)
//   EINTR, ETIMEDOUT, ECANCELED      -> Command Abort Requested (0x0007, retryable)
//   EACCES, EPERM                    -> Access Denied (SCT 2h SC 86h, DNR)
//   anything else (ENOMEM, EAGAIN, EIO, ENODEV ...) -> Internal Error (0x0006, retryable)
// last_errno() keeps the most recent such errno for logs.
//
// Fused Compare and Write (submit_fused): Linux passthrough cannot send fused commands, so
// the pair is sent as Compare, then (only if it matched) Write, under an exclusive
// per-namespace lock that is held across both. Every other command to that namespace
// through this object takes the lock shared, so the pair is atomic ONLY against I/O issued
// through this PassthroughDevice object (i.e. through xgate); another process writing the
// namespace, or a second PassthroughDevice on it, can interleave. The lock never blocks a
// caller: commands that cannot take it are queued and issued when it is released.
//
// Threading: the nvme::Device contract (device.h). Handlers run on the completion thread
// (io_uring) or a pool thread (ioctl).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "nvme/device.h"

namespace xg::nvme {

enum class SubmissionPath : std::uint8_t {
  kAuto,     // io_uring when the probe succeeds, else ioctl
  kIoUring,  // io_uring or fail open()
  kIoctl,    // NVME_IOCTL_IO64_CMD on worker threads
};

struct PassthroughOptions {
  SubmissionPath path = SubmissionPath::kAuto;
  unsigned queue_depth = 128;   // io_uring SQ entries; more in flight are queued in memory
  unsigned ioctl_threads = 4;   // worker threads of the ioctl path (>= 1)
  std::uint32_t timeout_ms = 0; // per command; 0 = driver default (nvme_core.io_timeout)
};

// Why open() failed. `error` is the errno of the failing system call, else 0.
struct PassthroughError {
  enum class Kind : std::uint8_t {
    kNodeMissing,         // ENOENT on open
    kPermissionDenied,    // EACCES/EPERM on open or on the first passthrough command
    kNotGenericNode,      // not a character device answering NVME_IOCTL_ID
    kNamespaceMismatch,   // nodes of different controllers, or one namespace twice
    kIdentifyFailed,      // Identify returned an NVMe error or undecodable data
    kRingSetup,           // kIoUring forced but io_uring / uring_cmd unavailable
    kSystem,              // any other system call failure
  };
  Kind kind = Kind::kSystem;
  std::string path;
  std::string why;
  int error = 0;
  friend bool operator==(const PassthroughError&, const PassthroughError&) = default;
};

std::string_view passthrough_error_kind_name(PassthroughError::Kind kind);
// "open /dev/ng0n1: permission denied (EACCES): ..." for logs and the CLI.
std::string describe(const PassthroughError& error);

class PassthroughDevice final : public Device {
 public:
  // Opens every node (O_RDWR), checks each is an NVMe generic namespace node of one and
  // the same controller (Identify Controller serial number and CNTLID), reads Identify
  // Controller and Identify Namespace, and sets up the submission path. A namespace whose
  // controller lacks Copy (ONCS bit 8 clear) still opens; copy_supported() and notes()
  // say so.
  static base::Result<std::unique_ptr<PassthroughDevice>, PassthroughError> open(
      std::span<const std::string> nodes, const PassthroughOptions& options = {});
  static base::Result<std::unique_ptr<PassthroughDevice>, PassthroughError> open(
      const std::string& node, const PassthroughOptions& options = {});

  ~PassthroughDevice() override;  // waits for every in-flight command (handlers run)
  PassthroughDevice(const PassthroughDevice&) = delete;
  PassthroughDevice& operator=(const PassthroughDevice&) = delete;

  std::string name() const override;  // the node paths, comma separated
  std::span<const std::uint8_t> identify_controller() const override;
  std::vector<std::uint32_t> namespace_ids() const override;
  std::span<const std::uint8_t> identify_namespace(std::uint32_t nsid) const override;
  void submit(Command command, CompletionHandler done) override;
  void submit_fused(Command compare, Command write, CompletionHandler done) override;
  // From the namespaces' request queues at open() (queue_limits.h): (max_segments - 1)
  // pages, at most max_hw_sectors_kb; 504 KiB on QEMU's controller under Linux 6.1.
  std::uint32_t max_host_transfer_bytes() const override;

  // The path in use after open() (never kAuto).
  SubmissionPath path() const;
  // Identify Controller ONCS bit 8.
  bool copy_supported() const;
  // Human-readable facts found at open() (Copy missing, fallback to ioctl and why).
  std::vector<std::string> notes() const;
  // The errno of the most recent command that failed without an NVMe completion, or 0.
  int last_errno() const;

  // io_uring path only: registers these caller buffers as io_uring fixed buffers (call
  // before submitting; replaces any earlier set). Later commands whose data lies entirely
  // inside one of them are sent with IORING_URING_CMD_FIXED. Returns the negative errno of
  // io_uring_register_buffers, or 0; on the ioctl path it does nothing and returns 0.
  int register_buffers(std::span<const std::span<std::uint8_t>> buffers);

  class Impl;

 private:
  explicit PassthroughDevice(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The errno -> Status mapping above (exposed for tests).
Status status_from_errno(int error_number);

}  // namespace xg::nvme
