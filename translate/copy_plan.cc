#include "translate/copy_plan.h"

#include <algorithm>
#include <optional>
#include <sstream>

namespace xg::translate {
namespace {

// NVMe limits that hold whatever the namespace says: NR is 8 bits (256 ranges) and a
// range's NLB is 16 bits (65,536 blocks), NVM Command Set 1.0 3.2.2.
constexpr std::uint64_t kMaxRangesPerCopy = 256;
constexpr std::uint64_t kMaxBlocksPerRange = 65536;

struct Interval {
  std::uint32_t ns = 0;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;  // exclusive
  bool overlaps(const Interval& o) const { return ns == o.ns && begin < o.end && o.begin < end; }
};

enum class Method : std::uint8_t { kCopy, kCrossNamespaceCopy, kMove };

const PlanNamespace* find(std::span<const PlanNamespace> namespaces, std::uint32_t id) {
  for (const auto& ns : namespaces) {
    if (ns.id == id) return &ns;
  }
  return nullptr;
}

Method choose(const PlanNamespace& src, const PlanNamespace& dst) {
  if (!dst.copy || !src.copy) return Method::kMove;
  if (src.id == dst.id) return Method::kCopy;
  if (src.controller == dst.controller && src.cross_namespace && dst.cross_namespace) {
    return Method::kCrossNamespaceCopy;
  }
  return Method::kMove;
}

std::string_view method_reason(Method method, const PlanNamespace& src,
                               const PlanNamespace& dst) {
  switch (method) {
    case Method::kCopy: return "same namespace";
    case Method::kCrossNamespaceCopy: return "cross-namespace Copy (TP4130)";
    case Method::kMove: break;
  }
  if (!src.copy || !dst.copy) return "data mover: a namespace without usable NVMe Copy";
  if (src.controller != dst.controller) return "data mover: namespaces on different devices";
  return "data mover: controller has no cross-namespace Copy";
}

// Limits of one command for an extent between src and dst.
struct CommandLimits {
  std::uint64_t range_blocks = 0;  // L
  std::uint64_t command_blocks = 0;  // T
  std::uint64_t ranges = 0;  // R
};

CommandLimits copy_limits(const PlanNamespace& src, const PlanNamespace& dst) {
  CommandLimits l;
  l.range_blocks = std::min<std::uint64_t>({src.mssrl, dst.mssrl, kMaxBlocksPerRange});
  l.command_blocks = std::min<std::uint64_t>(src.mcl, dst.mcl);
  l.ranges = std::min<std::uint64_t>({src.max_ranges, dst.max_ranges, kMaxRangesPerCopy});
  l.range_blocks = std::max<std::uint64_t>(l.range_blocks, 1);
  l.command_blocks = std::max<std::uint64_t>(l.command_blocks, 1);
  l.ranges = std::max<std::uint64_t>(l.ranges, 1);
  return l;
}

std::uint64_t mover_chunk(const PlanNamespace& src, const PlanNamespace& dst,
                          const PlanOptions& options) {
  std::uint64_t chunk = std::max<std::uint32_t>(options.mover_chunk_blocks, 1);
  if (src.max_transfer_blocks != 0) chunk = std::min<std::uint64_t>(chunk, src.max_transfer_blocks);
  if (dst.max_transfer_blocks != 0) chunk = std::min<std::uint64_t>(chunk, dst.max_transfer_blocks);
  return chunk;
}

class Planner {
 public:
  Planner(std::span<const PlanNamespace> namespaces, const PlanOptions& options)
      : namespaces_(namespaces), options_(options) {}

  void add(const CopyExtent& e) {
    if (e.blocks == 0) return;
    const PlanNamespace* src = find(namespaces_, e.source);
    const PlanNamespace* dst = find(namespaces_, e.destination);
    if (src == nullptr || dst == nullptr) return;  // precondition; see copy_plan.h
    if (src->id == dst->id && e.source_lba == e.destination_lba) {
      plan_.total_blocks += e.blocks;  // copied onto itself: done, and nothing to order
      return;
    }
    const Interval read{src->id, e.source_lba, e.source_lba + e.blocks};
    const Interval write{dst->id, e.destination_lba, e.destination_lba + e.blocks};
    // A barrier still owed (by memmove pieces) is never dropped.
    barrier_next_ = barrier_next_ || conflicts(read, write);
    if (barrier_next_) {
      reads_.clear();
      writes_.clear();
      open_ = std::nullopt;
    }
    const Method method = choose(*src, *dst);
    const std::string reason(method_reason(method, *src, *dst));
    if (read.overlaps(write)) {
      const std::size_t before = plan_.steps.size();
      add_memmove(e, *src, *dst, method);
      // Several pieces: the current wave holds only the last one, which this extent's
      // intervals cover. One piece: it joined the wave, whose earlier steps still count.
      if (plan_.steps.size() - before > 1) {
        reads_.clear();
        writes_.clear();
      }
      reads_.push_back(read);
      writes_.push_back(write);
      open_ = std::nullopt;
    } else if (method == Method::kMove) {
      add_moves(e, false, false, mover_chunk(*src, *dst, options_), reason);
      open_ = std::nullopt;
      reads_.push_back(read);
      writes_.push_back(write);
    } else {
      add_copies(e, *src, *dst, method, reason);
      reads_.push_back(read);
      writes_.push_back(write);
    }
    plan_.total_blocks += e.blocks;
  }

  CopyPlan finish() { return std::move(plan_); }

 private:
  // SPC-4 5.17.4: segments in order. A read-after-write, write-after-read or
  // write-after-write against the current wave needs a barrier.
  bool conflicts(const Interval& read, const Interval& write) const {
    for (const auto& w : writes_) {
      if (w.overlaps(read) || w.overlaps(write)) return true;
    }
    for (const auto& r : reads_) {
      if (r.overlaps(write)) return true;
    }
    return false;
  }

  PlanStep& new_step(PlanStep::Kind kind, std::uint32_t destination, std::uint64_t lba,
                     std::string why) {
    PlanStep step;
    step.kind = kind;
    step.destination = destination;
    step.destination_lba = lba;
    step.barrier = barrier_next_;
    step.why = std::move(why);
    barrier_next_ = false;
    plan_.steps.push_back(std::move(step));
    return plan_.steps.back();
  }

  // Data mover chunks of one extent; `sequential` chains them (memmove), else they may
  // run concurrently.
  void add_moves(const CopyExtent& e, bool backwards, bool sequential, std::uint64_t chunk,
                 const std::string& reason) {
    std::uint64_t done = 0;
    while (done < e.blocks) {
      const std::uint64_t n = std::min(chunk, e.blocks - done);
      const std::uint64_t offset = backwards ? e.blocks - done - n : done;
      PlanStep& step = new_step(PlanStep::Kind::kMove, e.destination, e.destination_lba + offset,
                                reason + ", chunks of " + std::to_string(chunk) + " blocks");
      step.ranges.push_back(PlannedRange{e.source, e.source_lba + offset,
                                         static_cast<std::uint32_t>(n), e.segment, offset});
      done += n;
      barrier_next_ = sequential;
    }
    barrier_next_ = false;
  }

  void add_copies(const CopyExtent& e, const PlanNamespace& src, const PlanNamespace& dst,
                  Method method, const std::string& reason) {
    const CommandLimits limits = copy_limits(src, dst);
    const std::uint8_t format = method == Method::kCrossNamespaceCopy ? 2 : 0;
    std::uint64_t offset = 0;
    while (offset < e.blocks) {
      PlanStep* step = nullptr;
      if (open_ && !barrier_next_) {
        PlanStep& open = plan_.steps[*open_];
        const bool contiguous = open.destination == e.destination &&
                                open.destination_lba + open.blocks() == e.destination_lba + offset;
        if (open.kind == PlanStep::Kind::kCopy && open.descriptor_format == format &&
            contiguous && open.ranges.size() < limits.ranges &&
            open.blocks() < limits.command_blocks) {
          step = &open;
        }
      }
      if (step == nullptr) {
        step = &new_step(PlanStep::Kind::kCopy, e.destination, e.destination_lba + offset,
                         reason + cut_note(limits));
        step->descriptor_format = format;
        open_ = plan_.steps.size() - 1;
      }
      while (offset < e.blocks && step->ranges.size() < limits.ranges &&
             step->blocks() < limits.command_blocks) {
        const std::uint64_t n = std::min(
            {limits.range_blocks, limits.command_blocks - step->blocks(), e.blocks - offset});
        step->ranges.push_back(PlannedRange{e.source, e.source_lba + offset,
                                            static_cast<std::uint32_t>(n), e.segment, offset});
        offset += n;
      }
    }
  }

  // Overlapping source and destination in one namespace: memmove (see copy_plan.h).
  void add_memmove(const CopyExtent& e, const PlanNamespace& src, const PlanNamespace& dst,
                   Method method) {
    const bool backwards = e.destination_lba > e.source_lba;
    const std::uint64_t distance = backwards ? e.destination_lba - e.source_lba
                                             : e.source_lba - e.destination_lba;
    if (method != Method::kCopy || distance < options_.memmove_copy_threshold) {
      add_moves(e, backwards, true, mover_chunk(src, dst, options_),
                "overlapping source and destination " + std::to_string(distance) +
                    " blocks apart: data mover, " + (backwards ? "backwards" : "forwards"));
      return;
    }
    const CommandLimits limits = copy_limits(src, dst);
    const std::uint64_t piece = std::min({distance, limits.range_blocks, limits.command_blocks});
    std::uint64_t done = 0;
    while (done < e.blocks) {
      const std::uint64_t n = std::min(piece, e.blocks - done);
      const std::uint64_t offset = backwards ? e.blocks - done - n : done;
      PlanStep& step = new_step(PlanStep::Kind::kCopy, e.destination, e.destination_lba + offset,
                                "overlapping source and destination " +
                                    std::to_string(distance) + " blocks apart: sequential " +
                                    (backwards ? "backward" : "forward") + " pieces of at most " +
                                    std::to_string(piece) + " blocks (memmove)");
      step.ranges.push_back(PlannedRange{e.source, e.source_lba + offset,
                                         static_cast<std::uint32_t>(n), e.segment, offset});
      done += n;
      barrier_next_ = true;
    }
    barrier_next_ = false;
  }

  static std::string cut_note(const CommandLimits& l) {
    return "; at most " + std::to_string(l.ranges) + " ranges of " +
           std::to_string(l.range_blocks) + " blocks, " + std::to_string(l.command_blocks) +
           " blocks per command";
  }

  std::span<const PlanNamespace> namespaces_;
  PlanOptions options_;
  CopyPlan plan_;
  std::vector<Interval> reads_;
  std::vector<Interval> writes_;
  std::optional<std::size_t> open_;  // a Copy step later extents may still join
  bool barrier_next_ = false;
};

}  // namespace

std::uint64_t PlanStep::blocks() const {
  std::uint64_t total = 0;
  for (const auto& r : ranges) total += r.blocks;
  return total;
}

CopyPlan plan_copy(std::span<const CopyExtent> extents, std::span<const PlanNamespace> namespaces,
                   const PlanOptions& options) {
  Planner planner(namespaces, options);
  for (const auto& e : extents) planner.add(e);
  return planner.finish();
}

std::string describe(const CopyPlan& plan, std::span<const PlanNamespace> namespaces) {
  std::ostringstream out;
  auto nsid = [&](std::uint32_t id) {
    const PlanNamespace* ns = find(namespaces, id);
    return ns == nullptr ? std::string("?") : std::to_string(ns->nsid);
  };
  out << plan.steps.size() << " step(s), " << plan.total_blocks << " blocks\n";
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const PlanStep& s = plan.steps[i];
    out << (s.barrier ? "| " : "  ") << "step " << i << ": ";
    if (s.kind == PlanStep::Kind::kCopy) {
      out << "NVMe Copy (format " << int(s.descriptor_format) << "h) to nsid "
          << nsid(s.destination) << " SDLBA " << s.destination_lba << ", " << s.ranges.size()
          << " range(s), " << s.blocks() << " blocks";
    } else {
      out << "read nsid " << nsid(s.ranges.front().source) << " LBA "
          << s.ranges.front().source_lba << " + write nsid " << nsid(s.destination) << " LBA "
          << s.destination_lba << ", " << s.blocks() << " blocks";
    }
    out << "  [" << s.why << "]\n";
    for (const auto& r : s.ranges) {
      out << "      segment " << r.segment << " +" << r.segment_offset << ": nsid "
          << nsid(r.source) << " SLBA " << r.source_lba << " x " << r.blocks << "\n";
    }
  }
  return out.str();
}

}  // namespace xg::translate
