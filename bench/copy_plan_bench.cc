// Cost of translate::plan_copy, the copy planner the copy manager runs for every EXTENDED
// COPY before issuing any NVMe command. All extents stay in one namespace (format 0h, the
// "within one LU" case) with QEMU-like limits: MSSRL 128, MCL 1024, MSRC 15 (16 ranges).
//
//   BM_PlanSameNamespace/S/B/G  S segments of B blocks each; G = 1: destinations contiguous
//                               (the planner gathers consecutive extents into multi-range
//                               Copies), G = 0: a gap after each destination (no gathering)
//   BM_PlanOneGiB/L             1 GiB (2 Mi blocks of 512 B) as segments of the MAXIMUM
//                               SEGMENT LENGTH xgate advertises (65535 blocks, the 02h
//                               field's limit: 33 segments); L = 0 QEMU-like limits (2048
//                               Copies), L = 1 MSSRL 65535 / MCL 2^32-1 / MSRC 255
//
// Counters: per_segment (CPU time / segments, e.g. "113n" = 113 ns), per_step (CPU time /
// NVMe commands planned), steps and ranges (the plan's size). CPU time, not wall time: the
// build machine is shared. Run: build/bench/bench/copy_plan_bench --benchmark_min_time=0.3 The per-segment cost should be flat in S; with
// B = MSSRL every segment is one range, so it is the planner's fixed cost per extent.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "translate/copy_plan.h"

namespace {

using namespace xg::translate;

PlanNamespace qemu_like(std::uint32_t mssrl = 128, std::uint32_t mcl = 1024,
                        std::uint32_t max_ranges = 16) {
  PlanNamespace ns;
  ns.id = 0;
  ns.controller = 0;
  ns.nsid = 1;
  ns.lba_size = 512;
  ns.copy = true;
  ns.mssrl = mssrl;
  ns.mcl = mcl;
  ns.max_ranges = max_ranges;
  ns.max_transfer_blocks = 1024;  // MDTS 512 KiB
  return ns;
}

// Sources packed from LBA 0, destinations from 1 Gi blocks on (never overlapping), with a
// 1-block gap after each destination when not `gathered`.
std::vector<CopyExtent> extents(std::uint64_t segments, std::uint64_t blocks, bool gathered) {
  std::vector<CopyExtent> out;
  out.reserve(segments);
  const std::uint64_t dst_base = 1ULL << 30;
  for (std::uint64_t i = 0; i < segments; ++i) {
    CopyExtent e;
    e.segment = static_cast<std::uint16_t>(i);
    e.source = 0;
    e.source_lba = i * blocks;
    e.destination = 0;
    e.destination_lba = dst_base + i * (blocks + (gathered ? 0 : 1));
    e.blocks = blocks;
    out.push_back(e);
  }
  return out;
}

void run(benchmark::State& state, const std::vector<CopyExtent>& work,
         const std::vector<PlanNamespace>& namespaces) {
  std::size_t steps = 0, ranges = 0;
  for (auto _ : state) {
    CopyPlan plan = plan_copy(work, namespaces);
    steps = plan.steps.size();
    benchmark::DoNotOptimize(plan);
  }
  {
    const CopyPlan plan = plan_copy(work, namespaces);
    for (const auto& s : plan.steps) ranges += s.ranges.size();
  }
  using C = benchmark::Counter;
  const double segs = static_cast<double>(work.size());
  // Seconds (of CPU time) per segment / per step; printed with an SI prefix, "113n" = 113 ns.
  state.counters["per_segment"] = C(segs, C::kIsIterationInvariantRate | C::kInvert);
  state.counters["per_step"] =
      C(static_cast<double>(steps), C::kIsIterationInvariantRate | C::kInvert);
  state.counters["steps"] = static_cast<double>(steps);
  state.counters["ranges"] = static_cast<double>(ranges);
}

void BM_PlanSameNamespace(benchmark::State& state) {
  const auto work = extents(static_cast<std::uint64_t>(state.range(0)),
                            static_cast<std::uint64_t>(state.range(1)), state.range(2) != 0);
  run(state, work, {qemu_like()});
}
BENCHMARK(BM_PlanSameNamespace)
    ->ArgNames({"segs", "blocks", "gathered"})
    ->ArgsProduct({{1, 8, 64, 256}, {128, 8192}, {1, 0}});

void BM_PlanOneGiB(benchmark::State& state) {
  constexpr std::uint64_t kBlocks = (1ULL << 30) / 512;
  constexpr std::uint64_t kMaxSegment = 65535;
  std::vector<CopyExtent> work;
  for (std::uint64_t off = 0, i = 0; off < kBlocks; ++i) {
    const std::uint64_t n = std::min(kMaxSegment, kBlocks - off);
    CopyExtent e;
    e.segment = static_cast<std::uint16_t>(i);
    e.source_lba = off;
    e.destination_lba = kBlocks + off;
    e.blocks = n;
    work.push_back(e);
    off += n;
  }
  const PlanNamespace ns = state.range(0) ? qemu_like(65535, 0xFFFFFFFFu, 256) : qemu_like();
  run(state, work, {ns});
}
BENCHMARK(BM_PlanOneGiB)->ArgName("large_limits")->Arg(0)->Arg(1);

}  // namespace
