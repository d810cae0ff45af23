// PassthroughDevice and discovery (nvme/linux). Two groups:
//   [host]   run anywhere (CTest unit label): open() errors that need no NVMe hardware,
//            the errno -> Status table, the kernel command layout, node naming.
//   [guest]  need the QEMU guest of tests/interop/vm (/dev/ng0n1 and /dev/ng0n2 on
//            QEMU 7.2's emulated controller, hw/nvme); run there by
//            tests/interop/vm/tests/nvme_conformance.sh. Every I/O case runs through both
//            submission paths (io_uring and forced ioctl).
// XG_PT_NODES overrides the guest nodes (comma list, first two used).
#include <fcntl.h>
#include <linux/nvme_ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "nvme/copy_command.h"
#include "nvme/identify.h"
#include "nvme/io_commands.h"
#include "nvme/linux/discovery.h"
#include "nvme/linux/passthrough_device.h"
#include "nvme/linux/passthrough_engine.h"
#include "nvme/linux/queue_limits.h"
#include "tests/support/catch.h"
#include "tests/support/vectors.h"

namespace xg::nvme {
namespace {

using Kind = PassthroughError::Kind;
using test::Bytes;

std::vector<std::string> guest_nodes() {
  const char* env = std::getenv("XG_PT_NODES");
  std::string list = env == nullptr ? "/dev/ng0n1,/dev/ng0n2" : env;
  std::vector<std::string> nodes;
  for (std::size_t at = 0; at <= list.size();) {
    const std::size_t comma = std::min(list.find(',', at), list.size());
    if (comma > at) nodes.push_back(list.substr(at, comma - at));
    at = comma + 1;
  }
  return nodes;
}

Bytes pattern(std::uint32_t seed, std::size_t size) {
  Bytes out(size);
  std::uint32_t x = seed * 2654435761U + 7;
  for (auto& byte : out) {
    x = x * 1664525U + 1013904223U;
    byte = static_cast<std::uint8_t>(x >> 24);
  }
  return out;
}

SubmissionEntry must(ParseResult<SubmissionEntry> r) {
  REQUIRE(r.has_value());
  return r.value();
}

std::unique_ptr<PassthroughDevice> open_guest(SubmissionPath path) {
  PassthroughOptions options;
  options.path = path;
  auto device = PassthroughDevice::open(guest_nodes(), options);
  INFO((device ? std::string("opened") : describe(device.error())));
  REQUIRE(device.has_value());
  REQUIRE(device.value()->path() == path);
  return std::move(device).value();
}

std::uint32_t block_size(Device& device, std::uint32_t nsid) {
  auto id = decode_identify_namespace(device.identify_namespace(nsid));
  REQUIRE(id.has_value());
  return id->logical_block_size();
}

Completion write_blocks(Device& device, std::uint32_t nsid, std::uint64_t lba, Bytes& data) {
  const auto blocks = static_cast<std::uint32_t>(data.size() / block_size(device, nsid));
  return execute(device, Command{must(build_write(nsid, lba, blocks)), data});
}

Bytes read_blocks(Device& device, std::uint32_t nsid, std::uint64_t lba, std::uint32_t blocks) {
  Bytes out(std::size_t{blocks} * block_size(device, nsid));
  const Completion c = execute(device, Command{must(build_read(nsid, lba, blocks)), out});
  REQUIRE(c.status.ok());
  return out;
}

Completion copy(Device& device, std::uint32_t nsid, std::uint64_t sdlba,
                const std::vector<SourceRange>& ranges) {
  CopyCommand cmd;
  cmd.nsid = nsid;
  cmd.sdlba = sdlba;
  auto request = build_copy(cmd, ranges);
  REQUIRE(request.has_value());
  return execute(device, Command{request->sqe, request->descriptors});
}

SourceRange range(std::uint64_t slba, std::uint32_t blocks) {
  auto r = source_range(slba, blocks);
  REQUIRE(r.has_value());
  return r.value();
}

// ---- [host] ---------------------------------------------------------------------------

TEST_CASE("open: a node that does not exist -> kNodeMissing with ENOENT and the path",
          "[passthrough][host]") {
  auto device = PassthroughDevice::open("/dev/ng-does-not-exist9n9");
  REQUIRE_FALSE(device.has_value());
  CHECK(device.error().kind == Kind::kNodeMissing);
  CHECK(device.error().error == ENOENT);
  CHECK(describe(device.error()).find("/dev/ng-does-not-exist9n9: node missing") == 0);
}

TEST_CASE("open: a character device that does not answer NVME_IOCTL_ID -> kNotGenericNode",
          "[passthrough][host]") {
  auto device = PassthroughDevice::open("/dev/null");
  REQUIRE_FALSE(device.has_value());
  CHECK(device.error().kind == Kind::kNotGenericNode);
  CHECK(device.error().error == ENOTTY);
}

TEST_CASE("open: a regular file -> kNotGenericNode (not a character device)",
          "[passthrough][host]") {
  const auto file = std::filesystem::temp_directory_path() / "xg-pt-regular-file";
  { std::FILE* f = std::fopen(file.c_str(), "w"); REQUIRE(f != nullptr); std::fclose(f); }
  auto device = PassthroughDevice::open(file.string());
  std::filesystem::remove(file);
  REQUIRE_FALSE(device.has_value());
  CHECK(device.error().kind == Kind::kNotGenericNode);
  CHECK(device.error().why == "is not a character device");
}

TEST_CASE("open: no node at all -> error, not a device", "[passthrough][host]") {
  auto device = PassthroughDevice::open(std::span<const std::string>{});
  REQUIRE_FALSE(device.has_value());
  CHECK(device.error().kind == Kind::kSystem);
}

TEST_CASE("errno without an NVMe completion maps to a host status (passthrough_device.h table)",
          "[passthrough][host]") {
  CHECK(status_from_errno(EINVAL).to_linux() == 0x4002);
  CHECK(status_from_errno(EFAULT).to_linux() == 0x4002);
  CHECK(status_from_errno(EINTR).to_linux() == 0x0007);  // retryable: no DNR
  CHECK(status_from_errno(ETIMEDOUT).to_linux() == 0x0007);
  CHECK(status_from_errno(EACCES) == Status::media(kScAccessDenied, true));
  CHECK(status_from_errno(ENOMEM).to_linux() == 0x0006);
  CHECK(status_from_errno(EIO).to_linux() == 0x0006);
}

// include/uapi/linux/nvme_ioctl.h: struct nvme_passthru_cmd64 / nvme_uring_cmd,
// little-endian.
TEST_CASE("kernel command layout: Copy SQE -> nvme_passthru_cmd64 bytes, FUSE/PSDT/DPTR "
          "dropped (linux/nvme_ioctl.h)", "[passthrough][host]") {
  SubmissionEntry sqe;
  sqe.opcode = kOpcodeCopy;
  sqe.fuse = Fuse::kFirst;  // the kernel rejects non-zero flags: must be dropped
  sqe.psdt = 1;
  sqe.nsid = 2;
  sqe.cdw2 = 0x11223344;
  sqe.cdw3 = 0x55667788;
  sqe.prp1 = 0xDEADBEEF;  // the kernel builds DPTR itself
  sqe.cdw10 = 1000;
  sqe.cdw11 = 0;
  sqe.cdw12 = 0x00000001;
  sqe.cdw13 = 0xA0000000;
  sqe.cdw14 = 0x01020304;
  sqe.cdw15 = 0xF00F1234;
  const Bytes expected = test::hex(R"(
    19          // 0 opcode Copy
    00          // 1 flags: FUSE/PSDT cleared
    00 00       // 2 rsvd1
    02 00 00 00 // 4 nsid
    44 33 22 11 // 8 cdw2
    88 77 66 55 // 12 cdw3
    00 00 00 00 00 00 00 00  // 16 metadata
    00 00 00 00 00 00 00 00  // 24 addr (no data)
    00 00 00 00 // 32 metadata_len
    00 00 00 00 // 36 data_len
    e8 03 00 00 // 40 cdw10 SDLBA low
    00 00 00 00 // 44 cdw11
    01 00 00 00 // 48 cdw12 NR 1
    00 00 00 a0 // 52 cdw13
    04 03 02 01 // 56 cdw14
    34 12 0f f0 // 60 cdw15
    30 75 00 00 // 64 timeout_ms 30000
    00 00 00 00 // 68 rsvd2
    00 00 00 00 00 00 00 00  // 72 result
  )");
  nvme_passthru_cmd64 cmd64;
  passthrough::fill_passthru_cmd64(sqe, {}, 30000, cmd64);
  Bytes got(sizeof cmd64);
  std::memcpy(got.data(), &cmd64, sizeof cmd64);
  CHECK(test::show(got) == test::show(expected));

  nvme_uring_cmd uring;
  passthrough::fill_uring_cmd(sqe, {}, 30000, uring);
  Bytes got_uring(sizeof uring);
  std::memcpy(got_uring.data(), &uring, sizeof uring);
  CHECK(test::show(got_uring) == test::show(test::truncated(expected, 72)));

  Bytes data(96);
  passthrough::fill_uring_cmd(sqe, data, 0, uring);
  CHECK(uring.addr == reinterpret_cast<std::uintptr_t>(data.data()));
  CHECK(uring.data_len == 96);
}

TEST_CASE("queue limits: (max_segments - 1) pages, at most max_hw_sectors_kb, 127 segments "
          "assumed when unknown", "[passthrough][host]") {
  using linux_queue::QueueLimits;
  using linux_queue::transfer_limit;
  // QEMU's controller under Linux 6.1: MDTS 512 KiB, NVME_MAX_SEGS 127.
  CHECK(transfer_limit(QueueLimits{512, 127}, 4096) == 126 * 4096);
  CHECK(transfer_limit(QueueLimits{512, 129}, 4096) == 512 * 1024);
  CHECK(transfer_limit(QueueLimits{128, 127}, 4096) == 128 * 1024);
  CHECK(transfer_limit(QueueLimits{0, 0}, 4096) == 126 * 4096);
  CHECK(transfer_limit(QueueLimits{0, 1}, 4096) == 4096);
  CHECK(transfer_limit(QueueLimits{4096, 2048}, 65536) == 4096 * 1024);
}

TEST_CASE("queue limits: read from <sysfs>/block/nvmeXnY/queue for /dev/ngXnY, a missing "
          "or garbled file -> nullopt", "[passthrough][host]") {
  const auto root = std::filesystem::temp_directory_path() /
                    ("xg-sysfs-" + std::to_string(::getpid()));
  const auto queue = root / "block" / "nvme3n2" / "queue";
  std::filesystem::create_directories(queue);
  const auto put = [&](const char* name, const char* text) {
    std::FILE* f = std::fopen((queue / name).c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs(text, f);
    std::fclose(f);
  };
  put("max_hw_sectors_kb", "512\n");
  put("max_segments", "127\n");
  const auto limits = linux_queue::read_queue_limits("/dev/ng3n2", root.string());
  REQUIRE(limits.has_value());
  CHECK(limits->max_hw_sectors_kb == 512);
  CHECK(limits->max_segments == 127);
  CHECK_FALSE(linux_queue::read_queue_limits("/dev/ng3n1", root.string()).has_value());
  CHECK_FALSE(linux_queue::read_queue_limits("/dev/nvme3n2", root.string()).has_value());
  put("max_segments", "many\n");
  CHECK_FALSE(linux_queue::read_queue_limits("/dev/ng3n2", root.string()).has_value());
  std::filesystem::remove_all(root);
}

TEST_CASE("discovery: block name nvmeXnY -> generic node /dev/ngXnY, anything else -> empty",
          "[passthrough][host][discovery]") {
  CHECK(generic_node_for("nvme0n1") == "/dev/ng0n1");
  CHECK(generic_node_for("nvme12n34") == "/dev/ng12n34");
  CHECK(generic_node_for("nvme0") == "");
  CHECK(generic_node_for("nvme0n1p2") == "");
  CHECK(generic_node_for("sda") == "");
}

TEST_CASE("io_uring probe: a node without NVMe uring_cmd (/dev/null) is refused with why, so "
          "kAuto falls back to ioctl (Linux 5.19+ io_uring passthrough)", "[passthrough][host]") {
  const int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  REQUIRE(fd >= 0);
  std::string why;
  auto engine = passthrough::make_uring_engine(8, 0, fd, why);
  ::close(fd);
  CHECK(engine == nullptr);
  CHECK_FALSE(why.empty());  // "io_uring_queue_init..." or "NVMe uring_cmd unavailable..."
}

TEST_CASE("ioctl engine: every issued command's handler runs once, on a pool thread, -errno "
          "when the ioctl fails, destruction drains work issued by handlers",
          "[passthrough][host]") {
  const int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  REQUIRE(fd >= 0);
  std::atomic<int> handled{0};
  std::atomic<int> enotty{0};
  std::atomic<int> on_caller_thread{0};
  const auto caller = std::this_thread::get_id();
  {
    auto engine = passthrough::make_ioctl_engine(3, 0);
    passthrough::Engine* raw = engine.get();
    for (int i = 0; i < 50; ++i) {
      raw->issue(fd, SubmissionEntry{}, {}, [&, raw, i](int res, std::uint64_t) {
        if (res == -ENOTTY) ++enotty;
        if (std::this_thread::get_id() == caller) ++on_caller_thread;
        ++handled;
        if (i % 2 == 0) raw->post([&] { ++handled; });  // queued while draining
      });
    }
  }  // ~Engine waits for all 75 handlers
  ::close(fd);
  CHECK(handled == 75);
  CHECK(enotty == 50);
  CHECK(on_caller_thread == 0);
}

// ---- [guest] --------------------------------------------------------------------------

TEST_CASE("guest open: both namespaces of one controller, identify decodes, Copy advertised "
          "(QEMU 7.2: ONCS bit 8, OCFS 0h|1h)", "[passthrough][guest]") {
  const auto path = GENERATE(SubmissionPath::kIoUring, SubmissionPath::kIoctl);
  auto device = open_guest(path);
  CHECK(device->namespace_ids() == std::vector<std::uint32_t>{1, 2});
  CHECK(device->name() == "/dev/ng0n1,/dev/ng0n2");
  auto id = decode_identify_controller(device->identify_controller());
  REQUIRE(id.has_value());
  CHECK(id->supports_copy());
  CHECK(device->copy_supported());
  CHECK(id->sn == "HARNESS0001");
  CHECK(device->identify_namespace(3).empty());
  auto ns = decode_identify_namespace(device->identify_namespace(2));
  REQUIRE(ns.has_value());
  if (const char* mssrl = std::getenv("HARNESS_NVME_MSSRL")) CHECK(ns->mssrl == std::atoi(mssrl));
}

TEST_CASE("guest: the host path limit is read from the namespaces' request queues, and a "
          "Read of exactly that size from a buffer off a page boundary succeeds",
          "[passthrough][guest]") {
  const auto path = GENERATE(SubmissionPath::kIoUring, SubmissionPath::kIoctl);
  auto device = open_guest(path);
  const auto limits = linux_queue::read_queue_limits(guest_nodes().front());
  REQUIRE(limits.has_value());
  const std::uint32_t expected = linux_queue::transfer_limit(*limits, 4096);
  CHECK(device->max_host_transfer_bytes() == expected);
  CHECK(device->notes().empty());
  // The worst case the limit is sized for: no page merges, a buffer 512 bytes into a page.
  const std::uint32_t bs = block_size(*device, 1);
  std::vector<std::uint8_t> backing(expected + 2 * 4096);
  auto* base = backing.data();
  const std::size_t skip = (4096 - reinterpret_cast<std::uintptr_t>(base) % 4096) % 4096 + 512;
  std::span<std::uint8_t> window(base + skip, expected);
  for (int round = 0; round < 8; ++round) {
    const Completion c = execute(
        *device, Command{must(build_read(1, 8 * round, expected / bs)), window});
    INFO("round " << round << " errno " << device->last_errno());
    CHECK(c.status.ok());
  }
}

TEST_CASE("guest: 32 writes then 32 reads in flight at once, data round-trips",
          "[passthrough][guest]") {
  const auto path = GENERATE(SubmissionPath::kIoUring, SubmissionPath::kIoctl);
  auto device = open_guest(path);
  const std::uint32_t bs = block_size(*device, 1);
  constexpr int kCount = 32;
  std::vector<Bytes> written;
  std::vector<Bytes> read(kCount, Bytes(8 * bs));
  for (int i = 0; i < kCount; ++i) written.push_back(pattern(static_cast<std::uint32_t>(i), 8 * bs));
  std::mutex mutex;
  std::condition_variable cv;
  int done = 0;
  int failed = 0;
  auto on_done = [&](const Completion& c) {
    std::lock_guard lock(mutex);
    ++done;
    if (!c.status.ok()) ++failed;
    cv.notify_all();
  };
  for (int i = 0; i < kCount; ++i) {
    device->submit({must(build_write(1, 4096 + 8 * static_cast<std::uint64_t>(i), 8)), written[i]},
                   on_done);
  }
  { std::unique_lock lock(mutex); cv.wait(lock, [&] { return done == kCount; }); }
  for (int i = 0; i < kCount; ++i) {
    device->submit({must(build_read(1, 4096 + 8 * static_cast<std::uint64_t>(i), 8)), read[i]},
                   on_done);
  }
  { std::unique_lock lock(mutex); cv.wait(lock, [&] { return done == 2 * kCount; }); }
  CHECK(failed == 0);
  for (int i = 0; i < kCount; ++i) CHECK(read[i] == written[i]);
}

TEST_CASE("guest Copy: one range lands at SDLBA, data verified (TP4065, QEMU 7.2)",
          "[passthrough][guest][copy]") {
  const auto path = GENERATE(SubmissionPath::kIoUring, SubmissionPath::kIoctl);
  auto device = open_guest(path);
  const std::uint32_t bs = block_size(*device, 1);
  const auto seed = path == SubmissionPath::kIoUring ? 11U : 12U;
  Bytes data = pattern(seed, 64 * bs);
  REQUIRE(write_blocks(*device, 1, 8192, data).status.ok());
  const Completion c = copy(*device, 1, 16384, {range(8192, 64)});
  CHECK(c.status.ok());
  CHECK(read_blocks(*device, 1, 16384, 64) == data);
}

TEST_CASE("guest Copy: three ranges are written back to back from SDLBA, data verified, on "
          "both namespaces", "[passthrough][guest][copy]") {
  const auto path = GENERATE(SubmissionPath::kIoUring, SubmissionPath::kIoctl);
  const auto nsid = GENERATE(1U, 2U);
  auto device = open_guest(path);
  const std::uint32_t bs = block_size(*device, nsid);
  Bytes a = pattern(21 + nsid, 16 * bs);
  Bytes b = pattern(22 + nsid, 8 * bs);
  Bytes c = pattern(23 + nsid, 32 * bs);
  REQUIRE(write_blocks(*device, nsid, 100, a).status.ok());
  REQUIRE(write_blocks(*device, nsid, 300, b).status.ok());
  REQUIRE(write_blocks(*device, nsid, 200, c).status.ok());
  const Completion done = copy(*device, nsid, 20000, {range(100, 16), range(300, 8), range(200, 32)});
  CHECK(done.status.ok());
  CHECK(read_blocks(*device, nsid, 20000, 56) == test::concat({a, b, c}));
}

TEST_CASE("guest Copy: NR+1 > MSRC+1 -> 0x4183 Command Size Limit Exceeded with DNR, DW0 0 "
          "(QEMU 7.2 hw/nvme/ctrl.c checks MSRC before any data moves)",
          "[passthrough][guest][copy]") {
  const auto path = GENERATE(SubmissionPath::kIoUring, SubmissionPath::kIoctl);
  auto device = open_guest(path);
  auto ns = decode_identify_namespace(device->identify_namespace(1));
  REQUIRE(ns.has_value());
  std::vector<SourceRange> ranges;
  for (unsigned i = 0; i < ns->msrc + 2U; ++i) ranges.push_back(range(i, 1));
  const Completion c = copy(*device, 1, 30000, ranges);
  CHECK(c.status.to_linux() == 0x4183);
  CHECK(c.dw0 == 0);
}

TEST_CASE("guest Copy: range 1 longer than MSSRL fails with DW0 = 1 and range 0 copied "
          "(QEMU 7.2 reports 0x0006 instead of 0x4183, its nvme_aio_err())",
          "[passthrough][guest][copy]") {
  const auto path = GENERATE(SubmissionPath::kIoUring, SubmissionPath::kIoctl);
  auto device = open_guest(path);
  auto ns = decode_identify_namespace(device->identify_namespace(1));
  REQUIRE(ns.has_value());
  const std::uint32_t bs = ns->logical_block_size();
  Bytes first = pattern(31, 4 * bs);
  REQUIRE(write_blocks(*device, 1, 500, first).status.ok());
  const Completion c = copy(*device, 1, 40000, {range(500, 4), range(600, ns->mssrl + 1U)});
  CHECK((c.status.to_linux() == 0x0006 || c.status.to_linux() == 0x4183));
  CHECK(c.dw0 == 1);  // big_cqe[0] / cmd64.result carry DW0 on both paths
  CHECK(read_blocks(*device, 1, 40000, 4) == first);
}

TEST_CASE("guest: a command for an NSID the device did not open -> 0x400B, never sent",
          "[passthrough][guest]") {
  const auto path = GENERATE(SubmissionPath::kIoUring, SubmissionPath::kIoctl);
  auto device = open_guest(path);
  Bytes buffer(4096);
  const Completion c = execute(*device, {must(build_read(3, 0, 1)), buffer});
  CHECK(c.status == Status::invalid_namespace_or_format());
}

TEST_CASE("guest fused Compare and Write: match writes, miscompare -> SCT 2h SC 85h and "
          "nothing written", "[passthrough][guest][fused]") {
  const auto path = GENERATE(SubmissionPath::kIoUring, SubmissionPath::kIoctl);
  auto device = open_guest(path);
  const std::uint32_t bs = block_size(*device, 2);
  Bytes original = pattern(41, 2 * bs);
  Bytes replacement = pattern(42, 2 * bs);
  Bytes wrong = pattern(43, 2 * bs);
  REQUIRE(write_blocks(*device, 2, 700, original).status.ok());
  auto pair = build_compare_and_write(2, 700, 2);
  REQUIRE(pair.has_value());
  std::mutex mutex;
  std::condition_variable cv;
  std::optional<Completion> result;
  auto wait_fused = [&](Bytes& expect, Bytes& write) {
    result.reset();
    device->submit_fused({pair->compare, expect}, {pair->write, write}, [&](const Completion& c) {
      std::lock_guard lock(mutex);
      result = c;
      cv.notify_all();
    });
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return result.has_value(); });
    return *result;
  };
  CHECK(wait_fused(wrong, replacement).status == Status::media(kScCompareFailure, false));
  CHECK(read_blocks(*device, 2, 700, 2) == original);
  CHECK(wait_fused(original, replacement).status.ok());
  CHECK(read_blocks(*device, 2, 700, 2) == replacement);
}

TEST_CASE("guest: destroying the device waits for every in-flight command's handler",
          "[passthrough][guest]") {
  const auto path = GENERATE(SubmissionPath::kIoUring, SubmissionPath::kIoctl);
  std::atomic<int> handled{0};
  std::vector<Bytes> buffers(200, Bytes(4096));
  {
    auto device = open_guest(path);
    for (std::size_t i = 0; i < buffers.size(); ++i) {  // more than the ring's 128 slots
      device->submit({must(build_read(1, i * 8, 8 * 512 / block_size(*device, 1))), buffers[i]},
                     [&](const Completion&) { ++handled; });
    }
  }
  CHECK(handled == 200);
}

TEST_CASE("guest io_uring: registered (fixed) buffers carry Write and Read",
          "[passthrough][guest]") {
  auto device = open_guest(SubmissionPath::kIoUring);
  const std::uint32_t bs = block_size(*device, 1);
  Bytes arena(16 * bs);
  const std::span<std::uint8_t> whole(arena);
  REQUIRE(device->register_buffers(std::span(&whole, 1)) == 0);
  const Bytes data = pattern(51, 8 * bs);
  std::copy(data.begin(), data.end(), arena.begin());
  REQUIRE(execute(*device, {must(build_write(1, 900, 8)), whole.first(8 * bs)}).status.ok());
  REQUIRE(execute(*device, {must(build_read(1, 900, 8)), whole.subspan(8 * bs)}).status.ok());
  CHECK(Bytes(arena.begin() + 8 * bs, arena.end()) == data);
}

TEST_CASE("guest open errors: block node, controller node, same namespace twice",
          "[passthrough][guest]") {
  auto block = PassthroughDevice::open("/dev/nvme0n1");
  REQUIRE_FALSE(block.has_value());
  CHECK(block.error().kind == Kind::kNotGenericNode);
  CHECK(block.error().why.find("block device") != std::string::npos);
  auto controller = PassthroughDevice::open("/dev/nvme0");
  REQUIRE_FALSE(controller.has_value());
  CHECK(controller.error().kind == Kind::kNotGenericNode);
  const std::vector<std::string> twice{guest_nodes()[0], guest_nodes()[0]};
  auto dup = PassthroughDevice::open(twice);
  REQUIRE_FALSE(dup.has_value());
  CHECK(dup.error().kind == Kind::kNamespaceMismatch);
}

TEST_CASE("guest open as an unprivileged user -> kPermissionDenied naming CAP_SYS_ADMIN "
          "(Linux 6.1 drivers/nvme/host/ioctl.c)", "[passthrough][guest]") {
  REQUIRE(::geteuid() == 0);  // the guest runs tests as root; dropping privileges needs it
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    auto device = PassthroughDevice::open(guest_nodes()[0]);
    const bool ok = !device.has_value() && device.error().kind == Kind::kPermissionDenied &&
                    device.error().why.find("CAP_SYS_ADMIN") != std::string::npos;
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("guest discovery: libnvme lists nvme0 with ng0n1 and ng0n2", "[passthrough][guest]"
          "[discovery]") {
  auto controllers = discover_controllers();
  REQUIRE(controllers.has_value());
  REQUIRE(controllers->size() == 1);
  const auto& c = controllers->front();
  CHECK(c.name == "nvme0");
  CHECK(c.serial == "HARNESS0001");
  CHECK(c.transport == "pcie");
  REQUIRE(c.namespaces.size() == 2);
  CHECK(c.namespaces[0].generic_node == "/dev/ng0n1");
  CHECK(c.namespaces[1].generic_node == "/dev/ng0n2");
  CHECK(c.namespaces[1].nsid == 2);
  if (const char* lbs = std::getenv("HARNESS_NVME_LBS")) {
    CHECK(c.namespaces[0].lba_size == static_cast<std::uint32_t>(std::atoi(lbs)));
  }
}

}  // namespace
}  // namespace xg::nvme
