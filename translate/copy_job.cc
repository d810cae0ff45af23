#include "translate/copy_job.h"

#include <map>
#include <utility>

#include "translate/status_map.h"

namespace xg::translate {
namespace {

using scsi::Sense;

class NvmeCopyJob final : public CopyJob {
 public:
  // Resolution and planning happen here, before the job is registered: no I/O.
  explicit NvmeCopyJob(CopyJobRequest request)
      : request_(std::move(request)),
        resolved_(resolve_segments(request_.list, request_.lun, request_.endpoints)) {
    logical_units_.insert(request_.lun);
    for (const auto& [id, e] : resolved_.endpoints) logical_units_.insert(id);
  }

  // The executor reports back through a weak reference: the job is kept by the owner
  // until job_finished(), and the executor's callbacks keep only the executor.
  static std::shared_ptr<NvmeCopyJob> create(CopyJobRequest request) {
    auto job = std::make_shared<NvmeCopyJob>(std::move(request));
    job->executor_ = std::make_shared<PlanExecutor>(
        plan_copy(job->resolved_.extents, job->resolved_.namespaces), job->resolved_.endpoints,
        job->request_.owner, job->request_.job_id,
        [weak = std::weak_ptr<NvmeCopyJob>(job)](const PlanResult& result) {
          if (auto self = weak.lock()) self->finish(result);
        });
    return job;
  }

  void start() override { executor_->start(); }
  void stop() override { executor_->stop(); }
  CopyProgress progress() const override { return measure(executor_->progress()).progress; }
  const std::set<std::uint64_t>& logical_units() const override { return logical_units_; }

 private:
  // Progress in SCSI terms, and where it ends: extents[first_incomplete] has `partial`
  // blocks done (first_incomplete == extents.size() when every resolved segment is done).
  struct Measured {
    CopyProgress progress;
    std::size_t first_incomplete = 0;
    std::uint64_t partial = 0;
  };

  // SPC-4 6.24: SEGMENTS PROCESSED counts segments done completely, in list order, and
  // the transfer count only data written in order from the start of the first segment.
  Measured measure(const PlanProgress& plan) const {
    const std::vector<CopyExtent>& extents = resolved_.extents;
    Measured m;
    m.progress.operation_counter = plan.operation_counter;
    for (; m.first_incomplete < extents.size(); ++m.first_incomplete) {
      const CopyExtent& e = extents[m.first_incomplete];
      // Zero-block and onto-itself segments are planned as nothing and are done.
      const auto found = plan.done_prefixes.find(e.segment);
      const std::uint64_t done = found != plan.done_prefixes.end() ? found->second : e.blocks;
      const std::uint32_t block_size = resolved_.endpoints.at(e.destination)->block_size;
      if (done < e.blocks) {
        m.partial = done;
        m.progress.bytes += done * block_size;
        break;
      }
      m.progress.bytes += e.blocks * block_size;
      m.progress.segments_processed = static_cast<std::uint16_t>(e.segment + 1);
    }
    return m;
  }

  // The copy's outcome from the plan's (SPC-4 5.17.7.4: COPY ABORTED names the segment
  // being processed; INFORMATION is its blocks not copied, when some were).
  CopyOutcome outcome_of(const PlanResult& result) const {
    const Measured m = measure(result.progress);
    const bool all_done = m.first_incomplete == resolved_.extents.size();
    CopyOutcome outcome;
    outcome.progress = m.progress;
    if (result.failure) {
      // NVMe status -> sense per status_map.h, forwarded from the side that failed.
      const CopyExtent& failed = resolved_.extents.at(m.first_incomplete);
      Sense s = Sense::third_party_device_failure(failed.segment);
      const TranslatedStatus translated = translate_status(result.failure->status);
      if (translated.sense) {
        s.forwarded.push_back(scsi::forwarded_check_condition(
            *translated.sense, result.failure->read_side
                                   ? scsi::ForwardedSense::Source::kCopySource
                                   : scsi::ForwardedSense::Source::kCopyDestination));
      }
      if (m.partial > 0) s.information = failed.blocks - m.partial;
      outcome.result = CopyOutcome::Result::kCompletedWithErrors;
      outcome.sense = std::move(s).because("NVMe " + nvme::describe(result.failure->status));
    } else if (result.stopped && (!all_done || resolved_.abort)) {
      // SPC-4 6.3: COMMANDS CLEARED BY DEVICE SERVER at the segment it stopped in.
      const std::uint16_t at = all_done ? resolved_.resolved_segments
                                        : resolved_.extents[m.first_incomplete].segment;
      Sense s = Sense::commands_cleared_by_device_server(at);
      if (!all_done && m.partial > 0) {
        s.information = resolved_.extents[m.first_incomplete].blocks - m.partial;
      }
      outcome.result = CopyOutcome::Result::kTerminated;
      outcome.sense = std::move(s).because("the copy was stopped");
    } else if (resolved_.abort) {
      outcome.progress.segments_processed = resolved_.resolved_segments;
      outcome.result = CopyOutcome::Result::kCompletedWithErrors;
      outcome.sense = resolved_.abort;
    }
    return outcome;
  }

  void finish(const PlanResult& result) {
    const CopyOutcome outcome = outcome_of(result);
    request_.owner->job_finished(request_.job_id, outcome);
    // Taken out of the job: the completion holds the transport's connection, which must
    // not live on inside a job whose last reference may drop on a device thread late.
    ScsiCompletion done = std::exchange(request_.done, nullptr);
    if (!done) return;  // a background copy: RECEIVE COPY STATUS(LID4) tells
    ScsiResponse response;
    if (outcome.sense) {
      response = ScsiResponse::check_condition(*outcome.sense, request_.descriptor_sense);
    } else if (request_.list.g_sense) {
      // SPC-4 6.4.1: G_SENSE=1 -> GOOD with COMPLETED 00/20 and the segments processed.
      response.sense = scsi::encode_sense(
          Sense::completed_extended_copy_information(outcome.progress.segments_processed),
          request_.descriptor_sense);
    }
    response.transfer_length = request_.transfer_length;
    done(std::move(response));
  }

  CopyJobRequest request_;
  const ResolvedSegments resolved_;
  std::set<std::uint64_t> logical_units_;
  std::shared_ptr<PlanExecutor> executor_;  // set by create(), before the job is shared
};

}  // namespace

std::shared_ptr<CopyJob> create_copy_job(CopyJobRequest request) {
  return NvmeCopyJob::create(std::move(request));
}

}  // namespace xg::translate
