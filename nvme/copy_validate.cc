// validate_copy(): the limit and capability checks of NVM Command Set 1.0 3.2.2 (and
// TP4130 for formats 2h/3h), in the order a
// spec-conformant controller (and QEMU >= 8.1/9.1) makes them. Declared in copy_command.h.
//
// QEMU 7.2 reports most per-range failures as Internal Error 0x0006 and never checks MCL
// (QEMU 7.2 hw/nvme/ctrl.c nvme_aio_err(), fixed in 8.1); this function returns what the spec
// names, so an emulated controller built on it behaves like a fixed device. A QEMU-7.2 personality,
// if wanted, belongs in the fault-injecting wrapper.
#include "nvme/copy_command.h"

#include <optional>

namespace xg::nvme {
namespace {

constexpr bool pract(std::uint8_t prinfo) { return (prinfo & 0x8U) != 0; }

// QEMU's rule (7.2 and 9.1): formats 0h/2h go with 16b Guard (or no PI), 1h/3h with
// 32b/64b Guard.
constexpr bool format_matches_pif(std::uint8_t desfmt, std::uint8_t pif) {
  return is_wide_tag_format(desfmt) == (pif != 0);
}

bool overflows(std::uint64_t start, std::uint64_t count) { return start > UINT64_MAX - count; }

// Checks made before any range is processed; DW0 = 0.
std::optional<Status> check_command(const CopyCommand& cmd, std::span<const SourceRange> ranges,
                                    const ControllerCopyCaps& caps,
                                    const NamespaceCopyInfo& dst) {
  if ((caps.oncs & kOncsCopy) == 0) return Status::invalid_command_opcode();
  const unsigned format_bit = 1U << (cmd.desfmt & 0xFU);
  if (cmd.desfmt > kDescriptorFormat3 || (caps.ocfs & format_bit) == 0) {
    return Status::invalid_field_in_command();
  }
  if (is_cross_namespace_format(cmd.desfmt) && (caps.cdfe & format_bit) == 0) {
    return Status::invalid_field_in_command();
  }
  if (ranges.size() != cmd.range_count()) return Status::invalid_field_in_command();
  if (dst.pi_type != 0 && pract(cmd.prinfor) != pract(cmd.prinfow)) {
    return Status::invalid_field_in_command();
  }
  if (cmd.nr > dst.msrc) return Status::command_size_limit_exceeded();
  if (!format_matches_pif(cmd.desfmt, dst.pif)) return Status::invalid_format();
  std::uint64_t total = 0;
  for (const auto& r : ranges) total += r.blocks();
  if (total > dst.mcl) return Status::command_size_limit_exceeded();
  return std::nullopt;
}

bool same_lba_format(const NamespaceCopyInfo& a, const NamespaceCopyInfo& b) {
  return a.lba_data_size == b.lba_data_size && a.metadata_size == b.metadata_size &&
         a.pif == b.pif && a.pi_type == b.pi_type;
}

}  // namespace

CopyVerdict validate_copy(const CopyCommand& cmd, std::span<const SourceRange> ranges,
                          const ControllerCopyCaps& caps, const NamespaceCopyInfo& dst,
                          const NamespaceLookup& sources) {
  if (auto status = check_command(cmd, ranges, caps, dst)) return {*status, 0};

  std::uint64_t total = 0;
  for (const auto& r : ranges) total += r.blocks();
  const std::uint64_t dst_end = overflows(cmd.sdlba, total) ? UINT64_MAX : cmd.sdlba + total;
  std::uint64_t dst_lba = cmd.sdlba;
  for (std::size_t k = 0; k < ranges.size(); ++k) {
    const SourceRange& r = ranges[k];
    const auto at = static_cast<std::uint32_t>(k);
    const NamespaceCopyInfo* src = &dst;
    if (is_cross_namespace_format(cmd.desfmt) && r.snsid != dst.nsid) {
      src = sources ? sources(r.snsid) : nullptr;
      if (src == nullptr) return {Status::invalid_namespace_or_format(), at};
      if (!same_lba_format(*src, dst)) return {Status::incompatible_namespace_or_format(), at};
    }
    if (r.blocks() > src->mssrl) return {Status::command_size_limit_exceeded(), at};
    if (overflows(r.slba, r.blocks()) || r.slba + r.blocks() > src->nsze) {
      return {Status::lba_out_of_range(), at};
    }
    if (overflows(dst_lba, r.blocks()) || dst_lba + r.blocks() > dst.nsze) {
      return {Status::lba_out_of_range(), at};
    }
    // The source run is in range (checked above), so slba + blocks cannot wrap.
    const bool overlaps = src == &dst && r.slba < dst_end && cmd.sdlba < r.slba + r.blocks();
    if (caps.reject_overlap && overlaps) return {Status::overlapping_io_range(), at};
    dst_lba += r.blocks();
  }
  return {Status::success(), 0};
}

}  // namespace xg::nvme
