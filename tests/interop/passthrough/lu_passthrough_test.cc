// The SCSI side (translate/) over real NVMe through Linux passthrough: what the emulated
// device cannot show, because only the kernel refuses it. Run in the QEMU guest of
// tests/interop/vm by tests/interop/vm/tests/lu_passthrough.sh, on /dev/ng0n1 and
// /dev/ng0n2 (XG_PT_NODES overrides), every case through io_uring and through ioctl.
//
// Large I/O: READ(16)/WRITE(16) of 1 to 4096 blocks at random LBAs, every byte verified.
// Before the LU cut transfers by the host path limit (nvme/linux/queue_limits.h), any
// command of more than 126 pages could fail with EINVAL depending on where its buffer's
// pages lay, and the initiator saw ILLEGAL REQUEST 24/00; at least 32 of these I/Os are
// over that size in each run. XG_LU_IO_ROUNDS sets the count (default 64 per engine) and
// XG_LU_IO_SEED the seed (printed, so a failure can be replayed).
//
// A fresh guest has long runs of free physical pages, so a new process's buffers are often
// physically contiguous, the kernel merges their pages into few segments, and the refusal
// does not show; a long-running xgate's memory is fragmented and it does. The test
// therefore fragments the guest's free memory first (FragmentedMemory): it takes 256 MiB
// and gives back every other page, so the pages later buffers get are never neighbours
// (tests/interop/vm/tests/lu_passthrough.sh also turns off transparent huge pages and
// ASan's quarantine, which would otherwise hand buffers runs of adjacent pages).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "nvme/identify.h"
#include "nvme/linux/passthrough_device.h"
#include "tests/translate/copy_test_support.h"

namespace xg::test {
namespace {

constexpr std::uint8_t kRead16 = 0x88;
constexpr std::uint8_t kWrite16 = 0x8A;

std::vector<std::string> guest_nodes() {
  const char* env = std::getenv("XG_PT_NODES");
  const std::string list = env == nullptr ? "/dev/ng0n1,/dev/ng0n2" : env;
  std::vector<std::string> nodes;
  for (std::size_t at = 0; at <= list.size();) {
    const std::size_t comma = std::min(list.find(',', at), list.size());
    if (comma > at) nodes.push_back(list.substr(at, comma - at));
    at = comma + 1;
  }
  return nodes;
}

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  return value == nullptr ? fallback : std::strtoull(value, nullptr, 0);
}

// Holds every other page of a 256 MiB region for the life of the process, so the free
// pages left behind are isolated order-0 pages, which the kernel's page allocator hands
// out first: buffers allocated afterwards touch no two physically adjacent pages.
class FragmentedMemory {
 public:
  FragmentedMemory() {
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    base_ = ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    REQUIRE(base_ != MAP_FAILED);
    ::madvise(base_, kBytes, MADV_NOHUGEPAGE);
    auto* bytes = static_cast<std::uint8_t*>(base_);
    for (std::size_t at = 0; at < kBytes; at += page) bytes[at] = 1;  // 4 KiB pages, all present
    for (std::size_t at = page; at < kBytes; at += 2 * page) {
      REQUIRE(::madvise(bytes + at, page, MADV_DONTNEED) == 0);
    }
  }
  ~FragmentedMemory() { ::munmap(base_, kBytes); }

 private:
  static constexpr std::size_t kBytes = 256U << 20;
  void* base_ = nullptr;
};

void fragment_guest_memory() {
  if (env_number("XG_FRAGMENT_MEMORY", 1) == 0) return;
  static FragmentedMemory fragmented;
}

// A ScsiTarget with LUN 0 = nsid 1 and LUN 1 = nsid 2 of the guest's controller.
class GuestTarget {
 public:
  explicit GuestTarget(nvme::SubmissionPath path) {
    fragment_guest_memory();
    nvme::PassthroughOptions options;
    options.path = path;
    auto device = nvme::PassthroughDevice::open(guest_nodes(), options);
    INFO((device ? std::string("opened") : nvme::describe(device.error())));
    REQUIRE(device.has_value());
    device_ = std::move(device).value();
    for (std::uint32_t nsid : {1U, 2U}) {
      std::string why;
      auto lu = translate::make_nvme_logical_unit(*device_, nsid, {}, &why);
      INFO(why);
      REQUIRE(lu != nullptr);
      const auto id = nvme::decode_identify_namespace(device_->identify_namespace(nsid));
      REQUIRE(id.has_value());
      capacity_[nsid - 1] = id->nsze;
      target_.add_lun(nsid - 1, std::move(lu));
    }
    for (std::uint64_t lun : {0U, 1U}) run(lun, hex("00 00 00 00 00 00"));  // POWER ON UA
  }
  ~GuestTarget() {
    target_ = translate::ScsiTarget();  // the LUs before the device they use
    device_.reset();
  }

  ScsiResponse run(std::uint64_t lun, const Bytes& cdb, const Bytes& data_out = {}) {
    ScsiCommand command;
    command.cdb = cdb;
    command.lun = lun;
    command.data_out = data_out;
    command.expected_transfer_length = static_cast<std::uint32_t>(data_out.size());
    command.direction = data_out.empty() ? DataDirection::kNone : DataDirection::kToDevice;
    command.nexus = nexus_;
    std::promise<ScsiResponse> promise;
    auto future = promise.get_future();
    target_.execute(std::move(command),
                    [&promise](ScsiResponse r) { promise.set_value(std::move(r)); });
    return future.get();
  }

  // Writes `data` at `lba` in pieces of 256 blocks (well inside every host limit, so
  // only the copy under test moves large transfers); REQUIREs GOOD.
  void write(std::uint64_t lun, std::uint64_t lba, const Bytes& data) {
    for (std::size_t at = 0; at < data.size(); at += 256 * 512) {
      const std::size_t n = std::min<std::size_t>(256 * 512, data.size() - at);
      const Bytes piece(data.begin() + at, data.begin() + at + n);
      check_good(run(lun, cdb16(kWrite16, 0, lba + at / 512, n / 512), piece));
    }
  }
  Bytes read(std::uint64_t lun, std::uint64_t lba, std::uint64_t blocks) {
    Bytes out;
    for (std::uint64_t done = 0; done < blocks; done += 256) {
      const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(256, blocks - done));
      const ScsiResponse r = run(lun, cdb16(kRead16, 0, lba + done, n));
      check_good(r);
      out.insert(out.end(), r.data_in.begin(), r.data_in.end());
    }
    return out;
  }

  scsi::Designator naa(std::uint64_t lun) {
    const translate::CopyEndpoint* e = target_.copy_manager()->endpoint(lun);
    REQUIRE(e != nullptr);
    return e->designators.front();
  }
  std::uint64_t capacity(std::uint64_t lun) const { return capacity_[lun]; }
  nvme::PassthroughDevice& device() { return *device_; }

 private:
  std::unique_ptr<nvme::PassthroughDevice> device_;
  translate::ScsiTarget target_;
  std::uint64_t capacity_[2] = {};
  std::shared_ptr<const ItNexus> nexus_ = nexus_named("iqn.2026-12.org.xgate.test:guest");
};

Bytes random_bytes(std::mt19937_64& rng, std::size_t size) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; i += 8) {
    const std::uint64_t word = rng();
    for (std::size_t b = 0; b < 8 && i + b < size; ++b) out[i + b] = std::uint8_t(word >> (8 * b));
  }
  return out;
}

TEST_CASE("guest LU: READ(16)/WRITE(16) of 1 to 4096 blocks at random LBAs through "
          "passthrough, every byte verified", "[guest][lu]") {
  const auto path = GENERATE(nvme::SubmissionPath::kIoUring, nvme::SubmissionPath::kIoctl);
  GuestTarget t(path);
  REQUIRE(t.device().max_host_transfer_bytes() > 0);
  const std::uint64_t seed = env_number("XG_LU_IO_SEED", 20261206);
  const std::uint64_t rounds = env_number("XG_LU_IO_ROUNDS", 64);
  std::mt19937_64 rng(seed + static_cast<std::uint64_t>(path));
  const std::uint64_t capacity = t.capacity(0);
  std::uint64_t large = 0;
  for (std::uint64_t round = 0; round < rounds; ++round) {
    // Half the rounds are above the host path limit (1008 blocks on QEMU), where the
    // refusals were; the rest anywhere in 1..4096.
    const auto blocks = static_cast<std::uint32_t>(
        round % 2 == 0 ? 1 + rng() % 4096 : 1009 + rng() % (4096 - 1008));
    const std::uint64_t lba = rng() % (capacity - blocks + 1);
    large += blocks * 512ULL > t.device().max_host_transfer_bytes() ? 1 : 0;
    const Bytes data = random_bytes(rng, std::size_t{blocks} * 512);
    INFO("seed " << seed << " path " << int(path) << " round " << round << ": " << blocks
                 << " blocks at LBA " << lba);
    const ScsiResponse w = t.run(0, cdb16(kWrite16, 0, lba, blocks), data);
    check_good(w);
    const ScsiResponse r = t.run(0, cdb16(kRead16, 0, lba, blocks));
    check_good(r);
    REQUIRE(first_difference(r.data_in, data) == -1);
  }
  CHECK(large >= rounds / 2);
}

TEST_CASE("guest XCOPY: 8195 blocks between the two LUs (data mover: QEMU 7.2 has no "
          "cross-namespace Copy) and within one LU (NVMe Copy), data verified",
          "[guest][xcopy]") {
  const auto path = GENERATE(nvme::SubmissionPath::kIoUring, nvme::SubmissionPath::kIoctl);
  GuestTarget t(path);
  std::mt19937_64 rng(8195 + static_cast<std::uint64_t>(path));
  const Bytes data = random_bytes(rng, 8195 * 512);
  t.write(0, 14339, data);
  const auto across = list_of({cscd_for(t.naa(0)), cscd_for(t.naa(1))},
                              {segment(0, 1, 14339, 20483, 8195)});
  const Bytes across_list = scsi::encode_extended_copy(across);
  check_good(t.run(1, xcopy_cdb(across_list.size()), across_list));
  CHECK(first_difference(t.read(1, 20483, 8195), data) == -1);

  const auto within = list_of({cscd_for(t.naa(0))}, {segment(0, 0, 14339, 83341, 8195)}, 2);
  const Bytes within_list = scsi::encode_extended_copy(within);
  check_good(t.run(0, xcopy_cdb(within_list.size()), within_list));
  CHECK(first_difference(t.read(0, 83341, 8195), data) == -1);
}

}  // namespace
}  // namespace xg::test
