#include "translate/copy_job.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <variant>

#include "nvme/copy_command.h"
#include "nvme/device.h"
#include "nvme/io_commands.h"
#include "translate/status_map.h"

namespace xg::translate {
namespace {

using scsi::FieldRef;
using scsi::Sense;

// NVMe commands one copy keeps in flight (SPDK's bdev layer uses 8 children).
constexpr std::size_t kMaxInFlight = 8;
// SPC-4 table 146: FFFFh names the logical unit that received the command.
constexpr std::uint16_t kThisLu = 0xFFFF;
// Offsets in a segment descriptor (SPC-4 6.4.6.1): SOURCE and DESTINATION CSCD
// DESCRIPTOR ID.
constexpr std::size_t kSourceIdOffset = 4;
constexpr std::size_t kDestinationIdOffset = 6;

// nvme-copy.md §9.3: which side a failure came from. Read errors and protection
// information checks on the read are the source's; everything else the destination's.
bool read_side_status(const nvme::Status& status) {
  return status.sct == 2 && status.sc >= 0x81 && status.sc <= 0x84;
}

scsi::ForwardedSense forwarded(const Sense& sense, bool source) {
  scsi::ForwardedSense f;
  f.source = source ? scsi::ForwardedSense::Source::kCopySource
                    : scsi::ForwardedSense::Source::kCopyDestination;
  f.status = static_cast<std::uint8_t>(scsi::Status::kCheckCondition);
  f.sense = scsi::encode_fixed(sense);
  return f;
}

class CopyJob : public std::enable_shared_from_this<CopyJob> {
 public:
  CopyJob(std::shared_ptr<CopyManager> manager, std::optional<CopyManager::RecordKey> key,
          scsi::ExtendedCopyList list, std::uint64_t lun, bool descriptor_sense,
          ScsiCompletion done)
      : manager_(std::move(manager)),
        key_(std::move(key)),
        list_(std::move(list)),
        lun_(lun),
        descriptor_sense_(descriptor_sense),
        done_(std::move(done)) {}

  void start() {
    resolve();
    plan_ = plan_copy(extents_, namespaces_);
    step_done_ranges_.assign(plan_.steps.size(), 0);
    launch();
  }

 private:
  struct Failure {
    std::size_t step = 0;
    nvme::Status status;
    bool read_side = false;
  };

  // ---- Resolution (SPC-4 5.17.7.4: errors here abort at this segment) ----

  const CopyEndpoint* resolve_cscd(const scsi::SegmentDescriptor& segment, bool source,
                                   std::uint64_t& lun) {
    const std::uint16_t id =
        source ? segment.source_cscd_descriptor_id : segment.destination_cscd_descriptor_id;
    const FieldRef id_field =
        FieldRef::param(segment.offset + (source ? kSourceIdOffset : kDestinationIdOffset));
    if (id == kThisLu) {
      lun = lun_;
      if (const CopyEndpoint* e = manager_->endpoint(lun_)) return e;
    }
    if (id >= list_.cscds.size()) {
      abort_ = Sense::copy_target_not_reachable(segment.index, id_field)
                   .because("CSCD descriptor ID beyond the CSCD list");
      return nullptr;
    }
    const scsi::CscdDescriptor& cscd = list_.cscds[id];
    const FieldRef cscd_field = FieldRef::param(cscd.offset);
    const auto* identification = std::get_if<scsi::IdentificationCscd>(&cscd.body);
    if (cscd.nul || identification == nullptr) {
      abort_ = Sense::copy_target_not_reachable(segment.index, cscd_field)
                   .because(cscd.nul ? "CSCD with the NUL bit" : "CSCD is not E4h");
      return nullptr;
    }
    for (const auto& [candidate_lun, e] : manager_->endpoints()) {
      for (const auto& published : e->designators) {
        if (!scsi::cscd_names(identification->designator, published)) continue;
        const std::uint32_t length = cscd.device_parameters.disk_block_length;
        if (length != 0 && length != e->block_size) {
          abort_ = Sense::incorrect_copy_target_device_type(segment.index,
                                                            FieldRef::param(cscd.offset + 29))
                       .because("DISK BLOCK LENGTH differs from the LU's block size");
          return nullptr;
        }
        lun = candidate_lun;
        return e;
      }
    }
    abort_ = Sense::copy_target_not_reachable(segment.index, cscd_field)
                 .because("no logical unit of this target has that designator");
    return nullptr;
  }

  // Builds extents for the segments up to the first that cannot be processed.
  void resolve() {
    for (const auto& segment : list_.segments) {
      const auto* b2b = std::get_if<scsi::BlockToBlock>(&segment.body);
      if (b2b == nullptr) {  // the decoder refuses other types; kept as a guard
        abort_ = Sense::copy_aborted(segment.index, 0x26, 0x09);
        break;
      }
      std::uint64_t source_lun = 0, destination_lun = 0;
      const CopyEndpoint* src = resolve_cscd(segment, true, source_lun);
      if (src == nullptr) break;
      const CopyEndpoint* dst = resolve_cscd(segment, false, destination_lun);
      if (dst == nullptr) break;
      if (src->block_size != dst->block_size) {
        abort_ = Sense::incorrect_copy_target_device_type(
                     segment.index, FieldRef::param(segment.offset + kDestinationIdOffset))
                     .because("source and destination block sizes differ");
        break;
      }
      const std::uint64_t blocks = b2b->block_device_number_of_blocks;
      const std::uint64_t src_lba = b2b->source_block_device_logical_block_address;
      const std::uint64_t dst_lba = b2b->destination_block_device_logical_block_address;
      const bool src_bad = src_lba > src->blocks || blocks > src->blocks - src_lba;
      const bool dst_bad = dst_lba > dst->blocks || blocks > dst->blocks - dst_lba;
      if (src_bad || dst_bad) {
        Sense sense = Sense::copy_aborted(segment.index, 0x00, 0x00);
        sense.forwarded.push_back(forwarded(Sense::lba_out_of_range(), src_bad));
        abort_ = std::move(sense).because("segment range outside the logical unit");
        break;
      }
      add_namespace(source_lun, *src);
      add_namespace(destination_lun, *dst);
      extents_.push_back(CopyExtent{segment.index, static_cast<std::uint32_t>(source_lun), src_lba,
                                    static_cast<std::uint32_t>(destination_lun), dst_lba, blocks});
      resolved_segments_ = segment.index + 1U;
    }
  }

  void add_namespace(std::uint64_t lun, const CopyEndpoint& e) {
    if (by_id_.contains(static_cast<std::uint32_t>(lun))) return;
    by_id_[static_cast<std::uint32_t>(lun)] = &e;
    namespaces_.push_back(e.plan);
  }

  // ---- Execution ----

  void launch() {
    std::vector<std::size_t> to_submit;
    bool finished = false;
    {
      std::lock_guard lock(mutex_);
      while (!failure_ && next_ < plan_.steps.size() && in_flight_ < kMaxInFlight) {
        if (plan_.steps[next_].barrier && in_flight_ > 0) break;
        to_submit.push_back(next_++);
        ++in_flight_;
      }
      finished = in_flight_ == 0 && (failure_ || next_ == plan_.steps.size()) && !answered_;
      if (finished) answered_ = true;
    }
    for (std::size_t step : to_submit) submit(step);
    if (finished) finish();
  }

  void submit(std::size_t index) {
    const PlanStep& step = plan_.steps[index];
    const CopyEndpoint* dst = by_id_.at(step.destination);
    auto self = shared_from_this();
    if (step.kind == PlanStep::Kind::kCopy) {
      std::vector<nvme::SourceRange> ranges;
      for (const auto& r : step.ranges) {
        nvme::SourceRange range;
        range.slba = r.source_lba;
        range.nlb = static_cast<std::uint16_t>(r.blocks - 1);  // 0's based
        if (step.descriptor_format == 2) range.snsid = by_id_.at(r.source)->nsid;
        ranges.push_back(range);
      }
      nvme::CopyCommand command;
      command.nsid = dst->nsid;
      command.sdlba = step.destination_lba;
      command.desfmt = step.descriptor_format;
      auto request = nvme::build_copy(command, ranges);
      if (!request) return completed(index, nvme::Status::internal_error(), 0, false);
      auto descriptors = std::make_shared<std::vector<std::uint8_t>>(request->descriptors);
      dst->device->submit({request->sqe, *descriptors},
                          [self, index, descriptors, ranges](const nvme::Completion& c) {
                            const auto progress = nvme::copy_progress(c.status, c.dw0, ranges);
                            self->completed(index, c.status, progress.ranges_copied, false);
                          });
      return;
    }
    // Data mover: read the chunk, then write it (copy_plan.h orders the chunks).
    const PlannedRange& r = step.ranges.front();
    const CopyEndpoint* src = by_id_.at(r.source);
    auto buffer =
        std::make_shared<std::vector<std::uint8_t>>(std::size_t{r.blocks} * src->block_size);
    auto read = nvme::build_read(src->nsid, r.source_lba, r.blocks);
    auto write = nvme::build_write(dst->nsid, step.destination_lba, r.blocks);
    if (!read || !write) return completed(index, nvme::Status::internal_error(), 0, false);
    const nvme::SubmissionEntry write_sqe = *write;
    src->device->submit({*read, *buffer}, [self, index, buffer, dst,
                                           write_sqe](const nvme::Completion& c) {
      if (!c.status.ok()) return self->completed(index, c.status, 0, true);
      dst->device->submit({write_sqe, *buffer}, [self, index, buffer](const nvme::Completion& w) {
        self->completed(index, w.status, w.status.ok() ? 1 : 0, false);
      });
    });
  }

  void completed(std::size_t index, const nvme::Status& status, std::size_t ranges_done,
                 bool read_side) {
    {
      std::lock_guard lock(mutex_);
      --in_flight_;
      step_done_ranges_[index] = status.ok() ? plan_.steps[index].ranges.size() : ranges_done;
      if (!status.ok() && !failure_) {
        failure_ = Failure{index, status, read_side || read_side_status(status)};
      }
    }
    launch();
  }

  // Per segment: the blocks copied contiguously from its start (SPC-4 6.25: only data
  // written in order counts), or nullopt for a segment the plan has nothing for (zero
  // blocks, or copied onto itself: done by definition). One pass over the plan.
  std::map<std::uint16_t, std::uint64_t> done_prefixes() const {
    std::map<std::uint16_t, std::vector<std::pair<std::uint64_t, std::uint64_t>>> pieces;
    for (std::size_t i = 0; i < plan_.steps.size(); ++i) {
      const auto& ranges = plan_.steps[i].ranges;
      for (std::size_t k = 0; k < ranges.size(); ++k) {
        auto& of_segment = pieces[ranges[k].segment];  // planned, even if not done
        if (k < step_done_ranges_[i]) {
          of_segment.emplace_back(ranges[k].segment_offset, ranges[k].blocks);
        }
      }
    }
    std::map<std::uint16_t, std::uint64_t> prefixes;
    for (auto& [segment, done] : pieces) {
      std::sort(done.begin(), done.end());
      std::uint64_t prefix = 0;
      for (const auto& [offset, blocks] : done) {
        if (offset > prefix) break;
        prefix = std::max(prefix, offset + blocks);
      }
      prefixes[segment] = prefix;
    }
    return prefixes;
  }

  void finish() {
    // The first segment not completely copied, and how much of everything was.
    std::uint16_t processed = 0;
    std::uint64_t bytes = 0;
    std::uint64_t partial = 0;
    const auto prefixes = done_prefixes();
    for (const CopyExtent& e : extents_) {
      // Zero-block and onto-itself segments are planned as nothing and are done.
      const auto found = prefixes.find(e.segment);
      const std::uint64_t done = found != prefixes.end() ? found->second : e.blocks;
      const std::uint32_t block_size = by_id_.at(e.destination)->block_size;
      if (done < e.blocks) {
        partial = done;
        bytes += done * block_size;
        break;
      }
      bytes += e.blocks * block_size;
      processed = static_cast<std::uint16_t>(e.segment + 1);
    }
    std::optional<Sense> sense;
    if (failure_) {
      const CopyExtent& failed = extents_.at(processed);
      Sense s = Sense::third_party_device_failure(failed.segment);
      const TranslatedStatus translated = translate_status(failure_->status);
      if (translated.sense)
        s.forwarded.push_back(forwarded(*translated.sense, failure_->read_side));
      if (partial > 0) s.information = failed.blocks - partial;
      sense = std::move(s).because("NVMe " + nvme::describe(failure_->status));
    } else if (abort_) {
      processed = resolved_segments_;
      sense = abort_;
    }
    if (key_) {
      scsi::CopyStatusLid1 status;
      status.copy_command_status = sense ? scsi::CopyCommandStatus::kCompletedWithErrors
                                         : scsi::CopyCommandStatus::kCompletedWithoutErrors;
      status.segments_processed = processed;
      const scsi::TransferCount count = scsi::transfer_count_for_bytes(bytes);
      status.transfer_count_units = count.units;
      status.transfer_count = count.count;
      std::optional<std::vector<std::uint8_t>> failure_sense;
      if (sense) failure_sense = scsi::encode_fixed(*sense);
      manager_->finish(*key_, status, std::move(failure_sense));
    }
    ScsiResponse response;
    if (sense) response = ScsiResponse::check_condition(*sense, descriptor_sense_);
    done_(std::move(response));
  }

  std::shared_ptr<CopyManager> manager_;
  std::optional<CopyManager::RecordKey> key_;
  scsi::ExtendedCopyList list_;
  std::uint64_t lun_;
  bool descriptor_sense_;
  ScsiCompletion done_;

  std::vector<CopyExtent> extents_;
  std::vector<PlanNamespace> namespaces_;
  std::map<std::uint32_t, const CopyEndpoint*> by_id_;
  std::optional<Sense> abort_;  // the segment that could not be processed
  std::uint16_t resolved_segments_ = 0;
  CopyPlan plan_;

  std::mutex mutex_;
  std::size_t next_ = 0;
  std::size_t in_flight_ = 0;
  std::vector<std::size_t> step_done_ranges_;
  std::optional<Failure> failure_;
  bool answered_ = false;
};

}  // namespace

void start_copy_job(std::shared_ptr<CopyManager> manager, std::optional<CopyManager::RecordKey> key,
                    scsi::ExtendedCopyList list, std::uint64_t lun, bool descriptor_sense,
                    ScsiCompletion done) {
  auto job = std::make_shared<CopyJob>(std::move(manager), std::move(key), std::move(list), lun,
                                       descriptor_sense, std::move(done));
  job->start();
}

}  // namespace xg::translate
