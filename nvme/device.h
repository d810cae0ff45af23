// nvme::Device: the one asynchronous interface to an NVMe I/O controller. Everything
// above nvme/ (translate/, and through it the target) talks to storage through it.
//
// Implementations:
//   EmulatedDevice        namespaces in sparse files; the embedded default (no hardware)
//   FaultInjectingDevice  wraps any device; fails chosen commands or Copy ranges
//   PassthroughDevice     Linux /dev/ngXnY via io_uring (ioctl fallback)
//
// Threading contract (the same for every implementation, so callers never special-case):
//   * submit() may be called from any thread and never blocks on I/O.
//   * The handler runs exactly once, on a thread the device owns, never inside submit().
//     It must not block; hand work back to your own executor if it is long.
//   * Commands complete in any order; many may be in flight.
//   * The command's data buffer belongs to the caller and must stay valid, untouched,
//     until its handler has run.
//   * Destroying a device waits for every in-flight command to complete (handlers run).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "nvme/status.h"
#include "nvme/submission_entry.h"

namespace xg::nvme {

// What the host sees of a completion queue entry: status and the command-specific dwords
// (for Copy, DW0 is the index of the first source range not copied; NVM Command Set 1.0
// 3.2.2).
struct Completion {
  Status status;
  std::uint32_t dw0 = 0;
  std::uint32_t dw1 = 0;
  friend bool operator==(const Completion&, const Completion&) = default;
};

// One I/O command and its host buffer. `data` is read by the device for Write, Compare,
// Dataset Management and Copy (the source range descriptors), and filled for Read.
// PRP/SGL fields of the SQE are ignored: each implementation maps `data` itself.
struct Command {
  SubmissionEntry sqe;
  std::span<std::uint8_t> data;
};

using CompletionHandler = std::function<void(const Completion&)>;

class Device {
 public:
  virtual ~Device() = default;

  // For logs and `xgate nvme-info`: "emulated:/var/lib/xgate" or "/dev/ng0n1".
  virtual std::string name() const = 0;

  // Identify Controller data structure (CNS 01h, 4096 bytes).
  virtual std::span<const std::uint8_t> identify_controller() const = 0;
  // Active namespace IDs, ascending.
  virtual std::vector<std::uint32_t> namespace_ids() const = 0;
  // Identify Namespace data structure (CNS 00h, 4096 bytes); empty if nsid is not active.
  virtual std::span<const std::uint8_t> identify_namespace(std::uint32_t nsid) const = 0;

  // Queues one I/O command; see the threading contract above.
  virtual void submit(Command command, CompletionHandler done) = 0;

  // A fused Compare (FUSE first) + Write (FUSE second) pair (NVMe base spec 4.12): the
  // write happens only if the compare matches, and no other command to the range may
  // interleave. Linux passthrough cannot send fused commands (it rejects non-zero flags),
  // so each implementation provides the atomicity its own way and documents it. `done`
  // receives the Compare's completion if it failed (miscompare: SCT 2h SC 85h), else the
  // Write's.
  virtual void submit_fused(Command compare, Command write, CompletionHandler done) = 0;

  // The most data bytes one command may carry on this device's host path, a limit that
  // can be below what the controller's MDTS allows; 0 = MDTS alone limits it. Linux
  // passthrough is the reason: the kernel maps a command's buffer as it is, one page per
  // segment unless pages happen to be physically adjacent, and refuses (EINVAL, before the
  // controller sees it) a request over the queue's max_segments or max_hw_sectors_kb,
  // where ordinary block I/O would have been split. Callers cut every transfer by
  // min(MDTS, this).
  virtual std::uint32_t max_host_transfer_bytes() const { return 0; }
};

// Submits and waits. For tools and tests only: never on the data path.
Completion execute(Device& device, Command command);

}  // namespace xg::nvme
