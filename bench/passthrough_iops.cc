// passthrough_iops: 4 KiB random reads or writes through PassthroughDevice at a fixed queue
// depth, for the guest benchmark (bench/guest_passthrough_iops.sh). Each completion handler
// submits the next command until the time is up, so exactly QD commands stay in flight.
//
// Usage: passthrough_iops NODE [--path uring|ioctl] [--qd N] [--seconds S] [--op read|write]
//                      [--fixed] [--span-mib M]
// Prints one line: "path=uring op=read qd=32 fixed=0 ios=N errors=N seconds=S iops=N
// max_latency_ms=N" and, when a command failed, a second line "errors: ..." with the count of
// each failing status, the first failure's latency and the last errno (so a stall, e.g. a
// command the driver timed out and aborted after nvme_core.io_timeout, is told apart from a
// device error); exit 0 when every command succeeded.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "nvme/identify.h"
#include "nvme/io_commands.h"
#include "nvme/linux/passthrough_device.h"

namespace {

using namespace xg::nvme;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string node;
  SubmissionPath path = SubmissionPath::kIoUring;
  unsigned qd = 1;
  double seconds = 2.0;
  bool write = false;
  bool fixed = false;
  std::uint64_t span_mib = 64;
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* next = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--path" && next) {
      const std::string path = next;
      if (path != "ioctl" && path != "uring") return false;  // a typo must not bench io_uring
      o.path = path == "ioctl" ? SubmissionPath::kIoctl : SubmissionPath::kIoUring;
      ++i;
    } else if (arg == "--qd" && next) {
      o.qd = static_cast<unsigned>(std::atoi(next));
      ++i;
    } else if (arg == "--seconds" && next) {
      o.seconds = std::atof(next);
      ++i;
    } else if (arg == "--op" && next) {
      const std::string op = next;
      if (op != "read" && op != "write") return false;
      o.write = op == "write";
      ++i;
    } else if (arg == "--span-mib" && next) {
      o.span_mib = static_cast<std::uint64_t>(std::atoll(next));
      ++i;
    } else if (arg == "--fixed") {
      o.fixed = true;
    } else if (o.node.empty() && arg[0] != '-') {
      o.node = arg;
    } else {
      return false;
    }
  }
  return !o.node.empty() && o.qd > 0;
}

class Runner {
 public:
  Runner(PassthroughDevice& device, const Options& options, std::uint32_t nsid,
         std::uint32_t block_size)
      : device_(device), options_(options), nsid_(nsid),
        blocks_per_io_(4096 / block_size),
        slots_(options.span_mib * 1024 * 1024 / 4096),
        arena_(std::size_t{options.qd} * 4096, 0x5A), issued_at_(options.qd) {
    if (options.fixed) {
      const std::span<std::uint8_t> whole(arena_);
      fixed_ok_ = device.register_buffers(std::span(&whole, 1)) == 0;
    }
  }

  void run() {
    deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(options_.seconds));
    start_ = Clock::now();
    for (unsigned i = 0; i < options_.qd; ++i) issue(i);
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return running_ == 0; });
    elapsed_ = std::chrono::duration<double>(Clock::now() - start_).count();
  }

  void report() const {
    std::printf("path=%s op=%s qd=%u fixed=%d ios=%llu errors=%llu seconds=%.3f iops=%.0f "
                "max_latency_ms=%.1f\n",
                options_.path == SubmissionPath::kIoUring ? "uring" : "ioctl",
                options_.write ? "write" : "read", options_.qd, fixed_ok_ ? 1 : 0,
                static_cast<unsigned long long>(ios_.load()),
                static_cast<unsigned long long>(errors_.load()), elapsed_,
                static_cast<double>(ios_.load()) / elapsed_, max_latency_ms_);
    if (errors_ == 0) return;
    std::string counts;
    for (const auto& [value, count] : error_counts_) {
      char item[128];
      std::snprintf(item, sizeof item, "%s0x%04x x%llu (%s)", counts.empty() ? "" : ", ", value,
                    static_cast<unsigned long long>(count),
                    describe(Status::from_linux(value)).c_str());
      counts += item;
    }
    std::printf("errors: %s; first failure after %.1f ms in flight, %.3f s into the run; "
                "last errno %d (%s)\n",
                counts.c_str(), first_error_latency_ms_, first_error_at_s_,
                device_.last_errno(), std::strerror(device_.last_errno()));
  }
  bool ok() const { return errors_ == 0 && ios_ > 0; }

 private:
  void issue(unsigned slot) {
    {
      std::lock_guard lock(mutex_);
      ++running_;
    }
    std::uint64_t lba;
    {
      std::lock_guard lock(rng_mutex_);
      lba = std::uniform_int_distribution<std::uint64_t>(0, slots_ - 1)(rng_) * blocks_per_io_;
    }
    auto sqe = options_.write ? build_write(nsid_, lba, blocks_per_io_)
                              : build_read(nsid_, lba, blocks_per_io_);
    std::span<std::uint8_t> data(arena_.data() + std::size_t{slot} * 4096, 4096);
    issued_at_[slot] = Clock::now();  // the slot's previous command has completed
    device_.submit({sqe.value(), data}, [this, slot](const Completion& c) {
      const auto now = Clock::now();
      const double latency_ms =
          std::chrono::duration<double, std::milli>(now - issued_at_[slot]).count();
      {
        std::lock_guard lock(mutex_);
        max_latency_ms_ = std::max(max_latency_ms_, latency_ms);
        if (!c.status.ok()) {
          if (errors_ == 0) {
            first_error_latency_ms_ = latency_ms;
            first_error_at_s_ = std::chrono::duration<double>(now - start_).count();
          }
          ++error_counts_[c.status.to_linux()];
        }
      }
      ++ios_;
      if (!c.status.ok()) ++errors_;
      if (now < deadline_ && errors_ == 0) issue(slot);
      std::lock_guard lock(mutex_);
      if (--running_ == 0) idle_.notify_all();
    });
  }

  PassthroughDevice& device_;
  const Options& options_;
  const std::uint32_t nsid_;
  const std::uint32_t blocks_per_io_;
  const std::uint64_t slots_;
  std::vector<std::uint8_t> arena_;
  std::vector<Clock::time_point> issued_at_;  // per slot: when its command was submitted
  bool fixed_ok_ = false;
  std::mutex mutex_;  // guards running_, the latency and error records below
  double max_latency_ms_ = 0;
  double first_error_latency_ms_ = 0;
  double first_error_at_s_ = 0;
  std::map<std::uint16_t, std::uint64_t> error_counts_;  // Status::to_linux() -> count
  std::condition_variable idle_;
  unsigned running_ = 0;
  std::mutex rng_mutex_;
  std::mt19937_64 rng_{42};
  std::atomic<std::uint64_t> ios_{0};
  std::atomic<std::uint64_t> errors_{0};
  Clock::time_point start_;
  Clock::time_point deadline_;
  double elapsed_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: passthrough_iops NODE [--path uring|ioctl] [--qd N] [--seconds S] "
                 "[--op read|write] [--fixed] [--span-mib M]\n");
    return 2;
  }
  PassthroughOptions device_options;
  device_options.path = options.path;
  device_options.ioctl_threads = options.qd;  // the ioctl path's depth is its thread count
  auto device = PassthroughDevice::open(options.node, device_options);
  if (!device) {
    std::fprintf(stderr, "passthrough_iops: %s\n", describe(device.error()).c_str());
    return 1;
  }
  const std::uint32_t nsid = device.value()->namespace_ids().front();
  auto ns = decode_identify_namespace(device.value()->identify_namespace(nsid));
  if (!ns || ns->logical_block_size() > 4096) {
    std::fprintf(stderr, "passthrough_iops: needs a namespace with blocks of at most 4 KiB\n");
    return 1;
  }
  const std::uint64_t namespace_bytes = ns->nsze * ns->logical_block_size();
  if (options.span_mib * 1024 * 1024 > namespace_bytes || options.span_mib == 0) {
    std::fprintf(stderr, "passthrough_iops: --span-mib %llu does not fit the namespace (%llu MiB)\n",
                 static_cast<unsigned long long>(options.span_mib),
                 static_cast<unsigned long long>(namespace_bytes >> 20));
    return 2;
  }
  Runner runner(*device.value(), options, nsid, ns->logical_block_size());
  runner.run();
  runner.report();
  return runner.ok() ? 0 : 1;
}
