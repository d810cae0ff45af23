// The copy planner: turns the block-to-block work of an EXTENDED COPY (segments already
// resolved to namespaces) plus the namespaces' limits into NVMe commands. Pure and
// deterministic: the same input gives the same plan, so it is unit- and property-tested
// without a device (tests/translate/copy_plan_test.cc), and `xgate explain` prints it.
//
// Rules (NVM Command Set 1.0 3.2.2 limits MSSRL/MCL/MSRC per command; SPC-4 5.17.4:
// segments are processed in order, so overlap is split like memmove):
//   - Same namespace, Copy usable: NVMe Copy (format 0h). Consecutive extents whose
//     destinations are contiguous are gathered into one multi-range Copy; each command
//     holds at most min(MSRC+1, 256) ranges, each range at most min(MSSRL, 65536) blocks,
//     and at most MCL blocks in total (the minimum over the namespaces involved).
//   - Another namespace of the same controller that both sides allow as a Copy source
//     (TP4130 cross-namespace copy): format 2h, the source NSID in each range.
//   - Anything else (another controller, no Copy, a quirk): the read/write data mover,
//     in chunks of at most `mover_chunk_blocks` (bounded memory, within MDTS).
//   - Ordering: steps of one extent, and gathered extents, may run concurrently. An extent
//     that reads or writes blocks an earlier extent writes (or writes blocks an earlier
//     one reads) starts only after every earlier step finished (a barrier), so segments
//     keep their in-order semantics.
//   - Overlap inside one extent (same namespace): memmove semantics. A Copy's source
//     range never overlaps its own destination: the extent is cut into sequential pieces
//     of at most |dst - src| blocks, walking backwards when dst > src. Below
//     `memmove_copy_threshold` blocks of distance the data mover does it instead (it reads
//     a whole chunk before writing it, so any chunk size is safe in the right direction).
//   - Zero-block extents produce no step (SPC-4: NUMBER OF BLOCKS 0 is a no-op), nor do
//     extents whose source and destination are the same blocks (nothing would change).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace xg::translate {

// What the planner needs to know of one namespace. `id` is the planner's own key (the
// caller's index into its namespace table); `controller` groups namespaces that one NVMe
// controller serves (cross-namespace Copy never crosses controllers).
struct PlanNamespace {
  std::uint32_t id = 0;
  std::uint32_t controller = 0;
  std::uint32_t nsid = 0;               // the NVMe NSID (format 2h SNSID)
  std::uint32_t lba_size = 512;
  bool copy = false;                    // ONCS bit 8, format 0h in OCFS, MSSRL/MCL non-zero
  bool cross_namespace = false;         // format 2h in OCFS (TP4130) and usable as a source
  std::uint32_t mssrl = 0;              // blocks per source range (1-based)
  std::uint32_t mcl = 0;                // blocks per Copy command (1-based)
  std::uint32_t max_ranges = 0;         // MSRC + 1
  std::uint32_t max_transfer_blocks = 0;  // MDTS in blocks; 0 = no limit
};

// One SCSI segment's block->block work, resolved to namespaces.
struct CopyExtent {
  std::uint16_t segment = 0;  // the 0-based SCSI segment number (COPY ABORTED CSI 2-3)
  std::uint32_t source = 0;   // PlanNamespace::id
  std::uint64_t source_lba = 0;
  std::uint32_t destination = 0;
  std::uint64_t destination_lba = 0;
  std::uint64_t blocks = 0;
};

struct PlanOptions {
  std::uint32_t mover_chunk_blocks = 2048;  // data mover I/O size (before MDTS)
  std::uint64_t memmove_copy_threshold = 16;
};

// A piece of one segment carried by one range of a step: for progress accounting.
struct PlannedRange {
  std::uint32_t source = 0;       // PlanNamespace::id
  std::uint64_t source_lba = 0;
  std::uint32_t blocks = 0;
  std::uint16_t segment = 0;
  std::uint64_t segment_offset = 0;  // blocks of the segment before this range
};

struct PlanStep {
  enum class Kind : std::uint8_t { kCopy, kMove };
  Kind kind = Kind::kCopy;
  std::uint8_t descriptor_format = 0;  // kCopy: 0h, or 2h across namespaces
  std::uint32_t destination = 0;       // PlanNamespace::id
  std::uint64_t destination_lba = 0;
  std::vector<PlannedRange> ranges;    // kMove: exactly one
  // Starts only after every earlier step has completed.
  bool barrier = false;
  std::string why;                     // for `xgate explain` and logs
  std::uint64_t blocks() const;
};

struct CopyPlan {
  std::vector<PlanStep> steps;
  std::uint64_t total_blocks = 0;
};

// Preconditions (the copy manager checks them first and answers with sense): every
// extent names namespaces present in `namespaces`, equal LBA sizes on both sides, and
// ranges inside the namespaces.
CopyPlan plan_copy(std::span<const CopyExtent> extents,
                   std::span<const PlanNamespace> namespaces, const PlanOptions& options = {});

// Human-readable, one line per step (used by `xgate explain`).
std::string describe(const CopyPlan& plan, std::span<const PlanNamespace> namespaces);

}  // namespace xg::translate
