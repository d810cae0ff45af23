#include "translate/cscd_resolver.h"

#include <variant>

namespace xg::translate {
namespace {

using scsi::FieldRef;
using scsi::Sense;

// SPC-4 table 146: FFFFh names the logical unit that received the command.
constexpr std::uint16_t kThisLu = 0xFFFF;
// Offsets in a segment descriptor (SPC-4 6.4.6.1): SOURCE and DESTINATION CSCD
// DESCRIPTOR ID.
constexpr std::size_t kSourceIdOffset = 4;
constexpr std::size_t kDestinationIdOffset = 6;
// Offset in a CSCD descriptor of DISK BLOCK LENGTH, bytes 29-31 of the block device
// type-specific parameters (SPC-4 6.4.5.2).
constexpr std::size_t kDiskBlockLengthOffset = 29;

class Resolver {
 public:
  Resolver(const scsi::ExtendedCopyList& list, std::uint64_t lun,
           std::span<const LunEndpoint> endpoints)
      : list_(list), lun_(lun), endpoints_(endpoints) {}

  ResolvedSegments run() && {
    for (const auto& segment : list_.segments) {
      if (!resolve(segment)) break;
      out_.resolved_segments = static_cast<std::uint16_t>(segment.index + 1U);
    }
    return std::move(out_);
  }

 private:
  // One segment to an extent; false (and out_.abort) when it cannot be processed.
  bool resolve(const scsi::SegmentDescriptor& segment) {
    const auto* b2b = std::get_if<scsi::BlockToBlock>(&segment.body);
    if (b2b == nullptr) {  // the decoder refuses other types; kept as a guard
      out_.abort = Sense::copy_aborted_unsupported_segment_type(segment.index);
      return false;
    }
    std::uint64_t source_lun = 0, destination_lun = 0;
    const CopyEndpoint* src = endpoint_of(segment, true, source_lun);
    if (src == nullptr) return false;
    const CopyEndpoint* dst = endpoint_of(segment, false, destination_lun);
    if (dst == nullptr) return false;
    if (src->block_size != dst->block_size) {
      out_.abort = Sense::incorrect_copy_target_device_type(
                       segment.index, FieldRef::param(segment.offset + kDestinationIdOffset))
                       .because("source and destination block sizes differ");
      return false;
    }
    const std::uint64_t blocks = b2b->block_device_number_of_blocks;
    const std::uint64_t src_lba = b2b->source_block_device_logical_block_address;
    const std::uint64_t dst_lba = b2b->destination_block_device_logical_block_address;
    const bool src_bad = src_lba > src->blocks || blocks > src->blocks - src_lba;
    const bool dst_bad = dst_lba > dst->blocks || blocks > dst->blocks - dst_lba;
    if (src_bad || dst_bad) {
      // libiscsi ValidSegDescr accepts COPY ABORTED 00/00 with the CSCD's own ILLEGAL
      // REQUEST 21/00 forwarded from the side that is out of range (SPC-4 5.17.7.4).
      const auto side = src_bad ? scsi::ForwardedSense::Source::kCopySource
                                : scsi::ForwardedSense::Source::kCopyDestination;
      out_.abort = Sense::copy_aborted_forwarded(
                       segment.index, scsi::forwarded_check_condition(Sense::lba_out_of_range(), side))
                       .because("segment range outside the logical unit");
      return false;
    }
    add_namespace(source_lun, *src);
    add_namespace(destination_lun, *dst);
    out_.extents.push_back(CopyExtent{segment.index, static_cast<std::uint32_t>(source_lun),
                                      src_lba, static_cast<std::uint32_t>(destination_lun),
                                      dst_lba, blocks});
    return true;
  }

  // The LU a segment's source or destination CSCD ID names (SPC-4 6.4.5.6: an E4h CSCD
  // names the LU whose VPD 83h has the same designator); nullptr and out_.abort if none.
  const CopyEndpoint* endpoint_of(const scsi::SegmentDescriptor& segment, bool source,
                                  std::uint64_t& lun) {
    const std::uint16_t id =
        source ? segment.source_cscd_descriptor_id : segment.destination_cscd_descriptor_id;
    const FieldRef id_field =
        FieldRef::param(segment.offset + (source ? kSourceIdOffset : kDestinationIdOffset));
    if (id == kThisLu) {
      lun = lun_;
      for (const auto& [candidate_lun, e] : endpoints_) {
        if (candidate_lun == lun_) return e;
      }
    }
    if (id >= list_.cscds.size()) {
      out_.abort = Sense::copy_target_not_reachable(segment.index, id_field)
                       .because("CSCD descriptor ID beyond the CSCD list");
      return nullptr;
    }
    const scsi::CscdDescriptor& cscd = list_.cscds[id];
    const FieldRef cscd_field = FieldRef::param(cscd.offset);
    const auto* identification = std::get_if<scsi::IdentificationCscd>(&cscd.body);
    if (cscd.nul || identification == nullptr) {
      out_.abort = Sense::copy_target_not_reachable(segment.index, cscd_field)
                       .because(cscd.nul ? "CSCD with the NUL bit" : "CSCD is not E4h");
      return nullptr;
    }
    for (const auto& [candidate_lun, e] : endpoints_) {
      for (const auto& published : e->designators) {
        if (!scsi::cscd_names(identification->designator, published)) continue;
        const std::uint32_t length = cscd.device_parameters.disk_block_length;
        if (length != 0 && length != e->block_size) {
          out_.abort = Sense::incorrect_copy_target_device_type(
                           segment.index, FieldRef::param(cscd.offset + kDiskBlockLengthOffset))
                           .because("DISK BLOCK LENGTH differs from the LU's block size");
          return nullptr;
        }
        lun = candidate_lun;
        return e;
      }
    }
    out_.abort = Sense::copy_target_not_reachable(segment.index, cscd_field)
                     .because("no logical unit of this target has that designator");
    return nullptr;
  }

  void add_namespace(std::uint64_t lun, const CopyEndpoint& e) {
    const auto id = static_cast<std::uint32_t>(lun);
    if (out_.endpoints.contains(id)) return;
    out_.endpoints[id] = &e;
    out_.namespaces.push_back(e.plan);
  }

  const scsi::ExtendedCopyList& list_;
  const std::uint64_t lun_;
  const std::span<const LunEndpoint> endpoints_;
  ResolvedSegments out_;
};

}  // namespace

ResolvedSegments resolve_segments(const scsi::ExtendedCopyList& list, std::uint64_t lun,
                                  std::span<const LunEndpoint> endpoints) {
  return Resolver(list, lun, endpoints).run();
}

}  // namespace xg::translate
