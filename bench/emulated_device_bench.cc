// EmulatedDevice throughput: 4 KiB random reads and writes at queue depth 1 and 32 against
// a 256 MiB namespace (4096-byte LBAs) in /tmp. Figures depend on the page cache: the file
// is written once before timing, so reads are mostly cache hits, like a warm target.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "nvme/emulated_device.h"
#include "nvme/io_commands.h"

namespace {

using xg::nvme::Completion;
using xg::nvme::EmulatedDevice;

constexpr std::uint64_t kBlocks = 65536;  // 256 MiB of 4 KiB blocks
constexpr std::uint32_t kBlockSize = 4096;

struct Namespace {
  std::string path;
  std::unique_ptr<EmulatedDevice> device;

  Namespace() {
    path = "/tmp/xg-emulated-bench-" + std::to_string(::getpid()) + ".img";
    xg::nvme::EmulatedDeviceConfig config;
    config.controller.threads = 2;
    config.namespaces.push_back({1, path, kBlockSize, kBlocks});
    auto created = EmulatedDevice::create(config);
    if (!created) std::abort();
    device = std::move(created).value();
    // Fill once so reads hit allocated blocks.
    std::vector<std::uint8_t> chunk(64 * kBlockSize, 0xA5);
    for (std::uint64_t lba = 0; lba < kBlocks; lba += 64) {
      auto sqe = xg::nvme::build_write(1, lba, 64);
      if (!xg::nvme::execute(*device, {sqe.value(), chunk}).status.ok()) {
        std::fprintf(stderr, "emulated_device_bench: filling %s failed\n", path.c_str());
        std::abort();
      }
    }
  }
  ~Namespace() {
    device.reset();
    std::remove(path.c_str());
  }
};

Namespace& shared_namespace() {
  static Namespace ns;
  return ns;
}

// Keeps `depth` commands in flight until `total` have completed.
void run_random(benchmark::State& state, std::uint8_t opcode) {
  const auto depth = static_cast<std::size_t>(state.range(0));
  EmulatedDevice& device = *shared_namespace().device;
  std::vector<std::vector<std::uint8_t>> buffers(depth, std::vector<std::uint8_t>(kBlockSize, 1));
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::uint64_t> lba(0, kBlocks - 1);
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::size_t> free_slots;
  std::int64_t ios = 0;
  std::int64_t failed = 0;  // a failed command is not an IO: report it, do not count it
  for (auto _ : state) {
    {
      std::lock_guard lock(mutex);
      free_slots.clear();
      for (std::size_t i = 0; i < depth; ++i) free_slots.push_back(i);
    }
    std::size_t submitted = 0;
    std::size_t completed = 0;
    constexpr std::size_t kPerIteration = 256;
    std::unique_lock lock(mutex);
    while (completed < kPerIteration) {
      while (submitted < kPerIteration && !free_slots.empty()) {
        const std::size_t slot = free_slots.back();
        free_slots.pop_back();
        ++submitted;
        auto sqe = xg::nvme::build_io(opcode, 1, lba(rng), 1);
        lock.unlock();
        device.submit({sqe.value(), buffers[slot]}, [&, slot](const Completion& c) {
          std::lock_guard inner(mutex);
          if (!c.status.ok()) ++failed;
          free_slots.push_back(slot);
          ++completed;
          cv.notify_one();
        });
        lock.lock();
      }
      // Wake for a free slot only while there is still something to submit.
      cv.wait(lock, [&] {
        return completed == kPerIteration || (submitted < kPerIteration && !free_slots.empty());
      });
    }
    ios += static_cast<std::int64_t>(kPerIteration);
  }
  if (failed > 0) {
    state.SkipWithError((std::to_string(failed) + " commands failed").c_str());
    return;
  }
  state.SetItemsProcessed(ios);
  state.SetBytesProcessed(ios * kBlockSize);
}

void BM_RandomRead4k(benchmark::State& state) { run_random(state, xg::nvme::kOpcodeRead); }
void BM_RandomWrite4k(benchmark::State& state) { run_random(state, xg::nvme::kOpcodeWrite); }

BENCHMARK(BM_RandomRead4k)->Arg(1)->Arg(32)->UseRealTime();
BENCHMARK(BM_RandomWrite4k)->Arg(1)->Arg(32)->UseRealTime();

}  // namespace
