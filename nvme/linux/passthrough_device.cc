#include "nvme/linux/passthrough_device.h"

#include <fcntl.h>
#include <linux/nvme_ioctl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <tuple>
#include <mutex>

#include "nvme/identify.h"
#include "nvme/linux/passthrough_engine.h"
#include "nvme/linux/queue_limits.h"
#include "nvme/spec.h"

namespace xg::nvme {
namespace {

constexpr std::size_t kIdentifySize = 4096;
constexpr std::uint8_t kAdminIdentify = 0x06;
constexpr std::uint32_t kCnsNamespace = 0x00;
constexpr std::uint32_t kCnsController = 0x01;

// An asynchronous reader/writer lock per namespace (see the header: fused Compare and
// Write). acquire() runs `start` at once when the lock is free for that mode and nothing is
// queued ahead, else queues it; release() starts what the release makes grantable, in FIFO
// order, so a waiting fused pair is not starved by a stream of ordinary commands.
class NamespaceGate {
 public:
  void acquire(bool exclusive, std::function<void()> start) {
    {
      std::lock_guard lock(mutex_);
      if (!waiting_.empty() || !grantable(exclusive)) {
        waiting_.emplace_back(exclusive, std::move(start));
        return;
      }
      grant(exclusive);
    }
    start();
  }

  void release(bool exclusive) {
    std::vector<std::function<void()>> ready;
    {
      std::lock_guard lock(mutex_);
      if (exclusive) {
        exclusive_ = false;
      } else {
        --shared_;
      }
      while (!waiting_.empty() && grantable(waiting_.front().first)) {
        grant(waiting_.front().first);
        ready.push_back(std::move(waiting_.front().second));
        waiting_.pop_front();
      }
    }
    for (auto& start : ready) start();
  }

 private:
  bool grantable(bool exclusive) const {
    return !exclusive_ && (!exclusive || shared_ == 0);
  }
  void grant(bool exclusive) {
    if (exclusive) {
      exclusive_ = true;
    } else {
      ++shared_;
    }
  }

  std::mutex mutex_;
  unsigned shared_ = 0;
  bool exclusive_ = false;
  std::deque<std::pair<bool, std::function<void()>>> waiting_;
};

struct NamespaceNode {
  std::string path;
  int fd = -1;
  std::uint32_t nsid = 0;
  std::vector<std::uint8_t> identify;
  NamespaceGate gate;
};

PassthroughError make_error(PassthroughError::Kind kind, const std::string& path,
                            std::string why, int error_number = 0) {
  if (error_number != 0) why += std::string(" (") + std::strerror(error_number) + ")";
  return PassthroughError{kind, path, std::move(why), error_number};
}

std::string kernel_release() {
  utsname names{};
  if (::uname(&names) != 0) return "unknown";
  return names.release;
}

// The rule differs across 6.1/6.2 (6.1 wants CAP_SYS_ADMIN for every passthrough command;
// 6.2's drivers/nvme/host/ioctl.c nvme_cmd_allowed lets a user with write access send I/O
// commands the effects log marks supported), so say which kernel this is.
std::string permission_advice() {
  return "needs CAP_SYS_ADMIN on Linux <= 6.1 for every NVMe passthrough command (run xgate "
         "as root or grant the capability); Linux 6.2+ also allows Identify and I/O to "
         "unprivileged users with a read-write node (udev rule). This kernel is " +
         kernel_release();
}

// Admin Identify through NVME_IOCTL_ADMIN_CMD (include/uapi/linux/nvme_ioctl.h). Returns 0,
// the
// positive NVMe status, or -errno.
int identify(int fd, std::uint32_t nsid, std::uint32_t cns, std::vector<std::uint8_t>& out) {
  out.assign(kIdentifySize, 0);
  nvme_admin_cmd cmd;
  std::memset(&cmd, 0, sizeof cmd);
  cmd.opcode = kAdminIdentify;
  cmd.nsid = nsid;
  cmd.addr = reinterpret_cast<std::uintptr_t>(out.data());
  cmd.data_len = static_cast<std::uint32_t>(out.size());
  cmd.cdw10 = cns;
  const int rc = ::ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);
  return rc < 0 ? -errno : rc;
}

base::Result<std::unique_ptr<NamespaceNode>, PassthroughError> open_node(
    const std::string& path) {
  using Kind = PassthroughError::Kind;
  auto node = std::make_unique<NamespaceNode>();
  node->path = path;
  node->fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (node->fd < 0) {
    const int e = errno;
    if (e == ENOENT) return make_error(Kind::kNodeMissing, path, "no such device node", e);
    if (e == EACCES || e == EPERM) {
      return make_error(Kind::kPermissionDenied, path,
                        "cannot open read-write; NVMe passthrough " + permission_advice(), e);
    }
    return make_error(Kind::kSystem, path, "open failed", e);
  }
  struct stat st{};
  if (::fstat(node->fd, &st) != 0) return make_error(Kind::kSystem, path, "fstat failed", errno);
  if (S_ISBLK(st.st_mode)) {
    return make_error(Kind::kNotGenericNode, path,
                      "is a block device; use the NVMe generic character node /dev/ngXnY "
                      "(io_uring passthrough does not work on block nodes)");
  }
  if (!S_ISCHR(st.st_mode)) {
    return make_error(Kind::kNotGenericNode, path, "is not a character device");
  }
  const int id = ::ioctl(node->fd, NVME_IOCTL_ID);
  if (id <= 0) {
    return make_error(Kind::kNotGenericNode, path,
                      "does not answer NVME_IOCTL_ID: not an NVMe namespace node /dev/ngXnY "
                      "(the controller node /dev/nvmeX carries no I/O passthrough)",
                      id < 0 ? errno : 0);
  }
  node->nsid = static_cast<std::uint32_t>(id);
  return node;
}

// Both Identify structures of one node, with clear errors.
base::Result<base::Ok, PassthroughError> identify_node(NamespaceNode& node,
                                                       std::vector<std::uint8_t>& controller) {
  using Kind = PassthroughError::Kind;
  for (const auto& [cns, nsid, out] :
       {std::tuple{kCnsController, 0U, &controller},
        std::tuple{kCnsNamespace, node.nsid, &node.identify}}) {
    const int rc = identify(node.fd, nsid, cns, *out);
    const char* what = cns == kCnsController ? "Identify Controller" : "Identify Namespace";
    if (rc == -EACCES || rc == -EPERM) {
      return make_error(Kind::kPermissionDenied, node.path,
                        std::string(what) + " refused: NVMe passthrough " + permission_advice(),
                        -rc);
    }
    if (rc < 0) return make_error(Kind::kSystem, node.path, std::string(what) + " failed", -rc);
    if (rc > 0) {
      return make_error(Kind::kIdentifyFailed, node.path,
                        std::string(what) + " failed: " +
                            describe(Status::from_linux(static_cast<std::uint16_t>(rc))));
    }
  }
  return base::Ok{};
}

// The most data one command may carry on every node (queue_limits.h), with a note when a
// node's queue limits could not be read and the kernel default was assumed.
std::uint32_t host_transfer_limit(const std::vector<std::unique_ptr<NamespaceNode>>& nodes,
                                  std::vector<std::string>& notes) {
  const auto page = static_cast<std::uint32_t>(::sysconf(_SC_PAGESIZE));
  std::uint32_t limit = UINT32_MAX;
  for (const auto& node : nodes) {
    auto limits = linux_queue::read_queue_limits(node->path);
    if (!limits) {
      notes.push_back(node->path + ": request queue limits not readable in sysfs; assuming " +
                      std::to_string(linux_queue::kAssumedMaxSegments) +
                      " segments per command");
      limits = linux_queue::QueueLimits{};
    }
    limit = std::min(limit, linux_queue::transfer_limit(*limits, page));
  }
  return limit;
}

}  // namespace

class PassthroughDevice::Impl {
 public:
  ~Impl() {
    engine.reset();  // drains: every handler has run before the fds close
    for (auto& node : nodes) {
      if (node->fd >= 0) ::close(node->fd);
    }
  }

  NamespaceNode* find(std::uint32_t nsid) const {
    for (const auto& node : nodes) {
      if (node->nsid == nsid) return node.get();
    }
    return nullptr;
  }

  Completion to_completion(int res, std::uint64_t result) {
    Completion completion;
    completion.dw0 = static_cast<std::uint32_t>(result);
    completion.dw1 = static_cast<std::uint32_t>(result >> 32);
    if (res >= 0) {
      completion.status = Status::from_linux(static_cast<std::uint16_t>(res));
    } else {
      last_errno.store(-res);
      completion.status = status_from_errno(-res);
    }
    return completion;
  }

  void fail_later(Status status, CompletionHandler done) {
    engine->post([status, done = std::move(done)] { done(Completion{status, 0, 0}); });
  }

  std::vector<std::unique_ptr<NamespaceNode>> nodes;  // ascending NSID
  std::vector<std::uint8_t> controller;
  std::unique_ptr<passthrough::Engine> engine;
  SubmissionPath path = SubmissionPath::kIoctl;
  std::vector<std::string> notes;
  std::atomic<int> last_errno{0};
  std::uint32_t timeout_ms = 0;
  std::uint32_t max_host_transfer_bytes = 0;  // queue_limits.h; the smallest of the nodes'
};

base::Result<std::unique_ptr<PassthroughDevice>, PassthroughError> PassthroughDevice::open(
    const std::string& node, const PassthroughOptions& options) {
  return open(std::span<const std::string>(&node, 1), options);
}

base::Result<std::unique_ptr<PassthroughDevice>, PassthroughError> PassthroughDevice::open(
    std::span<const std::string> paths, const PassthroughOptions& options) {
  using Kind = PassthroughError::Kind;
  if (paths.empty()) return make_error(Kind::kSystem, "", "no device node given");
  auto impl = std::make_unique<Impl>();
  impl->timeout_ms = options.timeout_ms;
  std::string first_serial;
  std::uint16_t first_cntlid = 0;
  for (const auto& path : paths) {
    auto node = open_node(path);
    if (!node) return std::move(node).error();
    std::vector<std::uint8_t> controller;
    if (auto ok = identify_node(*node.value(), controller); !ok) return std::move(ok).error();
    auto id = decode_identify_controller(controller);
    auto ns = decode_identify_namespace(node.value()->identify);
    if (!id || !ns) {
      return make_error(Kind::kIdentifyFailed, path,
                        "undecodable identify data: " + (!id ? id.error().why : ns.error().why));
    }
    if (impl->nodes.empty()) {
      first_serial = id->sn;
      first_cntlid = id->cntlid;
      impl->controller = std::move(controller);
    } else if (id->sn != first_serial || id->cntlid != first_cntlid) {
      return make_error(Kind::kNamespaceMismatch, path,
                        "belongs to another controller than " + paths[0] +
                            " (one device object drives one controller)");
    }
    if (impl->find(node.value()->nsid) != nullptr) {
      return make_error(Kind::kNamespaceMismatch, path,
                        "namespace " + std::to_string(node.value()->nsid) + " given twice");
    }
    impl->nodes.push_back(std::move(node).value());
  }
  std::sort(impl->nodes.begin(), impl->nodes.end(),
            [](const auto& a, const auto& b) { return a->nsid < b->nsid; });

  const auto controller = decode_identify_controller(impl->controller);
  if (!controller->supports_copy()) {
    impl->notes.push_back("controller does not support Copy (Identify Controller ONCS bit 8 "
                          "clear): copy offload is unavailable on these namespaces");
  }
  for (const auto& node : impl->nodes) {
    const auto ns = decode_identify_namespace(node->identify);
    if (controller->supports_copy() && ns && (ns->mssrl == 0 || ns->mcl == 0)) {
      impl->notes.push_back(node->path + ": MSSRL or MCL is 0, so this namespace refuses "
                            "every Copy");
    }
  }
  impl->max_host_transfer_bytes = host_transfer_limit(impl->nodes, impl->notes);
  if (options.path != SubmissionPath::kIoctl) {
    std::string why;
    impl->engine = passthrough::make_uring_engine(options.queue_depth, options.timeout_ms,
                                                  impl->nodes.front()->fd, why);
    if (impl->engine) {
      impl->path = SubmissionPath::kIoUring;
    } else if (options.path == SubmissionPath::kIoUring) {
      return make_error(Kind::kRingSetup, paths[0], why);
    } else {
      impl->notes.push_back("io_uring unavailable, using NVME_IOCTL_IO64_CMD: " + why);
    }
  }
  if (!impl->engine) {
    impl->engine = passthrough::make_ioctl_engine(options.ioctl_threads, options.timeout_ms);
    impl->path = SubmissionPath::kIoctl;
  }
  return std::unique_ptr<PassthroughDevice>(new PassthroughDevice(std::move(impl)));
}

PassthroughDevice::PassthroughDevice(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PassthroughDevice::~PassthroughDevice() = default;

std::string PassthroughDevice::name() const {
  std::string out;
  for (const auto& node : impl_->nodes) out += (out.empty() ? "" : ",") + node->path;
  return out;
}

std::span<const std::uint8_t> PassthroughDevice::identify_controller() const {
  return impl_->controller;
}

std::vector<std::uint32_t> PassthroughDevice::namespace_ids() const {
  std::vector<std::uint32_t> ids;
  for (const auto& node : impl_->nodes) ids.push_back(node->nsid);
  return ids;
}

std::span<const std::uint8_t> PassthroughDevice::identify_namespace(std::uint32_t nsid) const {
  const NamespaceNode* node = impl_->find(nsid);
  if (node == nullptr) return {};
  return node->identify;
}

void PassthroughDevice::submit(Command command, CompletionHandler done) {
  NamespaceNode* node = impl_->find(command.sqe.nsid);
  if (node == nullptr) {
    impl_->fail_later(Status::invalid_namespace_or_format(), std::move(done));
    return;
  }
  Impl* impl = impl_.get();
  node->gate.acquire(false, [impl, node, command, done = std::move(done)] {
    impl->engine->issue(node->fd, command.sqe, command.data,
                        [impl, node, done](int res, std::uint64_t result) {
                          node->gate.release(false);
                          done(impl->to_completion(res, result));
                        });
  });
}

void PassthroughDevice::submit_fused(Command compare, Command write, CompletionHandler done) {
  NamespaceNode* node = impl_->find(compare.sqe.nsid);
  if (node == nullptr) {
    impl_->fail_later(Status::invalid_namespace_or_format(), std::move(done));
    return;
  }
  if (compare.sqe.opcode != kOpcodeCompare || write.sqe.opcode != kOpcodeWrite ||
      write.sqe.nsid != compare.sqe.nsid) {
    impl_->fail_later(Status::invalid_field_in_command(), std::move(done));
    return;
  }
  Impl* impl = impl_.get();
  node->gate.acquire(true, [impl, node, compare, write, done = std::move(done)] {
    impl->engine->issue(
        node->fd, compare.sqe, compare.data,
        [impl, node, write, done](int res, std::uint64_t result) {
          const Completion compared = impl->to_completion(res, result);
          if (!compared.status.ok()) {
            node->gate.release(true);
            done(compared);
            return;
          }
          impl->engine->issue(node->fd, write.sqe, write.data,
                              [impl, node, done](int res2, std::uint64_t result2) {
                                node->gate.release(true);
                                done(impl->to_completion(res2, result2));
                              });
        });
  });
}

std::uint32_t PassthroughDevice::max_host_transfer_bytes() const {
  return impl_->max_host_transfer_bytes;
}

SubmissionPath PassthroughDevice::path() const { return impl_->path; }

bool PassthroughDevice::copy_supported() const {
  const auto id = decode_identify_controller(impl_->controller);
  return id && id->supports_copy();
}

std::vector<std::string> PassthroughDevice::notes() const { return impl_->notes; }

int PassthroughDevice::last_errno() const { return impl_->last_errno.load(); }

int PassthroughDevice::register_buffers(std::span<const std::span<std::uint8_t>> buffers) {
  return impl_->engine->register_buffers(buffers);
}

Status status_from_errno(int error_number) {
  struct Row {
    int error_number;
    Status status;
  };
  static const Row kRows[] = {
      {EINVAL, Status::invalid_field_in_command()},
      {EFAULT, Status::invalid_field_in_command()},
      {E2BIG, Status::invalid_field_in_command()},
      {EOPNOTSUPP, Status::invalid_field_in_command()},
      {EINTR, Status::generic(kScCommandAbortRequested, false)},
      {ETIMEDOUT, Status::generic(kScCommandAbortRequested, false)},
      {ECANCELED, Status::generic(kScCommandAbortRequested, false)},
      {EACCES, Status::media(kScAccessDenied, true)},
      {EPERM, Status::media(kScAccessDenied, true)},
  };
  for (const auto& row : kRows) {
    if (row.error_number == error_number) return row.status;
  }
  return Status::internal_error();
}

std::string_view passthrough_error_kind_name(PassthroughError::Kind kind) {
  using Kind = PassthroughError::Kind;
  switch (kind) {
    case Kind::kNodeMissing: return "node missing";
    case Kind::kPermissionDenied: return "permission denied";
    case Kind::kNotGenericNode: return "not an NVMe generic namespace node";
    case Kind::kNamespaceMismatch: return "namespace mismatch";
    case Kind::kIdentifyFailed: return "identify failed";
    case Kind::kRingSetup: return "io_uring unavailable";
    case Kind::kSystem: return "system error";
  }
  return "unknown";
}

std::string describe(const PassthroughError& error) {
  std::string out = error.path.empty() ? std::string() : error.path + ": ";
  out += passthrough_error_kind_name(error.kind);
  out += ": " + error.why;
  return out;
}

}  // namespace xg::nvme
