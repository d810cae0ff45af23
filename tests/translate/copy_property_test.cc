// The copy manager end to end, as a property: random segment lists x random device limits
// (MSSRL, MCL, MSRC, MDTS, cross-namespace Copy or not) -> EXTENDED COPY through the
// target onto the emulated device -> both namespaces equal a reference model that applies
// the segments one after the other with memmove semantics (SPC-4 5.17.7.1). The planner's
// own property test (copy_plan_test.cc) checks the plan on a model device; this one runs
// the real job: concurrency, barriers, the data mover's chunks and format 2h.
// XG_COPY_SEED=N reproduces or widens a run.
#include <cstdlib>
#include <random>

#include "tests/translate/copy_test_support.h"

namespace xg::test {
namespace {

constexpr std::uint64_t kNamespaceBlocks = 512;
constexpr std::size_t kBlockSize = 512;
constexpr std::uint32_t kIoBlocks = 16;  // within the smallest MDTS drawn (2 x 4 KiB)

void write_all(CopyHarness& h, std::uint32_t nsid, const Bytes& data) {
  for (std::uint64_t lba = 0; lba < kNamespaceBlocks; lba += kIoBlocks) {
    Bytes chunk(data.begin() + static_cast<std::ptrdiff_t>(lba * kBlockSize),
                data.begin() + static_cast<std::ptrdiff_t>((lba + kIoBlocks) * kBlockSize));
    REQUIRE(h.io(nsid).write(lba, chunk).status.ok());
  }
}

Bytes read_all(CopyHarness& h, std::uint32_t nsid) {
  Bytes out;
  for (std::uint64_t lba = 0; lba < kNamespaceBlocks; lba += kIoBlocks) {
    const Bytes chunk = h.io(nsid).read(lba, kIoBlocks);
    out.insert(out.end(), chunk.begin(), chunk.end());
  }
  return out;
}

}  // namespace

TEST_CASE(
    "XCOPY property: random segment lists x random device limits land exactly as the "
    "in-order memmove model says",
    "[translate][xcopy][property]") {
  const char* seed_text = std::getenv("XG_COPY_SEED");
  const std::uint32_t seed = seed_text != nullptr
                                 ? static_cast<std::uint32_t>(std::strtoul(seed_text, nullptr, 10))
                                 : 20261202;
  std::mt19937 random(seed);
  auto pick = [&](std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(random);
  };
  constexpr int kDevices = 40;
  constexpr int kListsPerDevice = 50;  // 2000 copies per run
  std::uint64_t copy_commands = 0, reads = 0;
  for (int d = 0; d < kDevices; ++d) {
    CopyDeviceLimits limits;
    limits.cross_namespace = pick(0, 1) != 0;
    limits.mssrl = static_cast<std::uint16_t>(pick(1, 64));
    limits.mcl = static_cast<std::uint32_t>(pick(limits.mssrl, 256));
    limits.msrc = static_cast<std::uint8_t>(pick(0, 7));
    limits.mdts = static_cast<std::uint8_t>(pick(1, 3));  // 8-32 KiB: the mover cuts chunks
    limits.capacity = kNamespaceBlocks;
    CopyHarness h(limits);
    const scsi::CscdDescriptor cscds[2] = {cscd_for(h.naa(0)), cscd_for(h.naa(1))};
    for (int l = 0; l < kListsPerDevice; ++l) {
      const std::uint32_t data_seed = seed + static_cast<std::uint32_t>(d * 1000 + l * 2);
      Bytes model[2] = {pattern(data_seed, kNamespaceBlocks, kBlockSize),
                        pattern(data_seed + 1, kNamespaceBlocks, kBlockSize)};
      write_all(h, 1, model[0]);
      write_all(h, 2, model[1]);
      std::vector<scsi::SegmentDescriptor> segments;
      std::string described;
      const auto count = pick(1, 8);
      std::uint64_t next_dst = pick(0, kNamespaceBlocks - 1);
      std::uint16_t last_dst_lu = 0;
      for (std::uint64_t s = 0; s < count; ++s) {
        const auto src_lu = static_cast<std::uint16_t>(pick(0, 1));
        // Often the previous segment's destination LU and contiguous (gathering).
        const bool follow = pick(0, 1) != 0;
        const auto dst_lu = follow ? last_dst_lu : static_cast<std::uint16_t>(pick(0, 1));
        const auto blocks = static_cast<std::uint16_t>(pick(0, 5) == 0 ? 0 : pick(1, 120));
        const std::uint64_t src_lba = pick(0, kNamespaceBlocks - blocks);
        const std::uint64_t dst_lba = follow && next_dst + blocks <= kNamespaceBlocks
                                          ? next_dst
                                          : pick(0, kNamespaceBlocks - blocks);
        next_dst = dst_lba + blocks;
        last_dst_lu = dst_lu;
        segments.push_back(segment(src_lu, dst_lu, src_lba, dst_lba, blocks));
        described += "LU" + std::to_string(src_lu) + " " + std::to_string(src_lba) + " -> LU" +
                     std::to_string(dst_lu) + " " + std::to_string(dst_lba) + " x " +
                     std::to_string(blocks) + "\n";
        // The model: this segment, as memmove, after every earlier one.
        const Bytes piece(
            model[src_lu].begin() + static_cast<std::ptrdiff_t>(src_lba * kBlockSize),
            model[src_lu].begin() + static_cast<std::ptrdiff_t>((src_lba + blocks) * kBlockSize));
        std::copy(piece.begin(), piece.end(),
                  model[dst_lu].begin() + static_cast<std::ptrdiff_t>(dst_lba * kBlockSize));
      }
      INFO("seed " << seed << " device " << d << " (mssrl " << limits.mssrl << ", mcl "
                   << limits.mcl << ", msrc " << int(limits.msrc) << ", mdts " << int(limits.mdts)
                   << ", cross " << limits.cross_namespace << ") list " << l << "\n"
                   << described);
      const auto list = list_of({cscds[0], cscds[1]}, segments);
      const ScsiResponse r = xcopy(h, static_cast<std::uint64_t>(pick(0, 1)), list);
      check_good(r);
      REQUIRE(read_all(h, 1) == model[0]);
      REQUIRE(read_all(h, 2) == model[1]);
    }
    copy_commands += h.faults->commands_seen(nvme::kOpcodeCopy);
    reads += h.faults->commands_seen(nvme::kOpcodeRead);
  }
  // Both paths were exercised (the writes and reads of the test itself are not through
  // the fault injector, so these count the copy manager's commands only).
  CHECK(copy_commands > 1000);
  CHECK(reads > 1000);
}

}  // namespace xg::test
