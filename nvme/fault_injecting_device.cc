#include "nvme/fault_injecting_device.h"

#include <algorithm>
#include <utility>

#include "nvme/copy_command.h"
#include "nvme/identify.h"

namespace xg::nvme {
namespace {

Status command_abort_requested() { return Status::generic(kScCommandAbortRequested, false); }

// What QEMU 7.2's nvme_aio_err() leaves in the CQE for any asynchronous Copy failure
// (hw/nvme/ctrl.c has no Copy case there; fixed in QEMU 8.1): Internal Error, DNR clear.
Status qemu72_copy_failure() { return Status::internal_error(); }

bool timer_later(const auto& a, const auto& b) {
  return a.due != b.due ? a.due > b.due : a.sequence > b.sequence;
}

// The SQE of a Copy restricted to `count` ranges written from `sdlba`.
SubmissionEntry copy_piece(SubmissionEntry sqe, std::uint64_t sdlba, std::size_t count) {
  sqe.cdw10 = static_cast<std::uint32_t>(sdlba);
  sqe.cdw11 = static_cast<std::uint32_t>(sdlba >> 32);
  sqe.cdw12 = (sqe.cdw12 & ~0xFFU) | static_cast<std::uint32_t>(count - 1);
  return sqe;
}

}  // namespace

FaultRule FaultRule::fail_command(std::uint64_t nth, Status status, std::uint32_t dw0,
                                  std::optional<std::uint8_t> opcode) {
  FaultRule r;
  r.kind = Kind::kFailCommand;
  r.nth = nth;
  r.status = status;
  r.dw0 = dw0;
  r.opcode = opcode;
  return r;
}

FaultRule FaultRule::fail_copy_at_range(std::uint64_t nth, std::uint32_t range, Status status) {
  FaultRule r;
  r.kind = Kind::kFailCopyAtRange;
  r.nth = nth;
  r.range = range;
  r.status = status;
  r.opcode = kOpcodeCopy;
  return r;
}

FaultRule FaultRule::latency_for(std::chrono::microseconds latency, std::uint64_t nth,
                                 std::optional<std::uint8_t> opcode) {
  FaultRule r;
  r.kind = Kind::kLatency;
  r.latency = latency;
  r.nth = nth;
  r.opcode = opcode;
  return r;
}

FaultRule FaultRule::hold(std::uint64_t nth, std::optional<std::uint8_t> opcode) {
  FaultRule r;
  r.kind = Kind::kHold;
  r.nth = nth;
  r.opcode = opcode;
  return r;
}

FaultRule FaultRule::hold_from(std::uint64_t nth, std::optional<std::uint8_t> opcode) {
  FaultRule r = hold(nth, opcode);
  r.and_later = true;
  return r;
}

// ---- Lifetime and the scheduler thread --------------------------------------------

FaultInjectingDevice::FaultInjectingDevice(Device& inner) : inner_(inner) {
  scheduler_thread_ = std::thread([this] { scheduler(); });
}

FaultInjectingDevice::FaultInjectingDevice(std::unique_ptr<Device> inner)
    : owned_(std::move(inner)), inner_(*owned_) {
  scheduler_thread_ = std::thread([this] { scheduler(); });
}

FaultInjectingDevice::~FaultInjectingDevice() {
  release_held();
  {
    // Timers may submit to the inner device, and Copy pieces submit their successor from
    // the inner completion, so wait until all three are quiet at once.
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return timers_.empty() && running_ == 0 && inner_in_flight_ == 0; });
    stopping_ = true;
  }
  wake_.notify_all();
  scheduler_thread_.join();
}

void FaultInjectingDevice::schedule(std::chrono::microseconds delay, std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    timers_.push_back(Timed{std::chrono::steady_clock::now() + delay, sequence_++,
                            std::move(task)});
    std::push_heap(timers_.begin(), timers_.end(),
                   [](const Timed& a, const Timed& b) { return timer_later(a, b); });
  }
  wake_.notify_all();
}

void FaultInjectingDevice::scheduler() {
  const auto later = [](const Timed& a, const Timed& b) { return timer_later(a, b); };
  std::unique_lock lock(mutex_);
  for (;;) {
    if (timers_.empty()) {
      if (stopping_) return;
      wake_.wait(lock);
      continue;
    }
    // Copy the deadline: wait_until keeps reading it while the lock is released, and a
    // concurrent schedule() may reallocate timers_ under it.
    const auto next_due = timers_.front().due;
    if (next_due > std::chrono::steady_clock::now()) {
      wake_.wait_until(lock, next_due);
      continue;
    }
    std::pop_heap(timers_.begin(), timers_.end(), later);
    std::function<void()> task = std::move(timers_.back().task);
    timers_.pop_back();
    ++running_;
    lock.unlock();
    task();
    lock.lock();
    --running_;
    idle_.notify_all();
  }
}

void FaultInjectingDevice::inner_submit(Command command, CompletionHandler done) {
  {
    std::lock_guard lock(mutex_);
    ++inner_in_flight_;
  }
  inner_.submit(command, [this, done = std::move(done)](const Completion& c) {
    done(c);
    inner_finished();
  });
}

void FaultInjectingDevice::inner_finished() {
  std::lock_guard lock(mutex_);
  --inner_in_flight_;
  idle_.notify_all();
}

// ---- Rules ------------------------------------------------------------------------

void FaultInjectingDevice::add_rule(const FaultRule& rule) {
  std::lock_guard lock(mutex_);
  rules_.push_back(RuleState{rule, 0});
}

void FaultInjectingDevice::clear_rules() {
  std::lock_guard lock(mutex_);
  rules_.clear();
}

void FaultInjectingDevice::set_qemu72(bool on) {
  std::lock_guard lock(mutex_);
  qemu72_ = on;
}

std::uint64_t FaultInjectingDevice::delayed_count() const {
  std::lock_guard lock(mutex_);
  return delayed_;
}

std::size_t FaultInjectingDevice::held_count() const {
  std::lock_guard lock(mutex_);
  return held_.size();
}

std::uint64_t FaultInjectingDevice::commands_seen(std::uint8_t opcode) const {
  std::lock_guard lock(mutex_);
  const auto it = seen_.find(opcode);
  return it == seen_.end() ? 0 : it->second;
}

std::size_t FaultInjectingDevice::release_held() {
  std::vector<Held> held;
  {
    std::lock_guard lock(mutex_);
    held.swap(held_);
  }
  for (auto& h : held) {
    schedule(std::chrono::microseconds{0}, [done = std::move(h.done)] {
      done(Completion{command_abort_requested(), 0, 0});
    });
  }
  return held.size();
}

// Caller holds mutex_.
FaultInjectingDevice::Decision FaultInjectingDevice::decide(std::uint8_t opcode) {
  ++seen_[opcode];
  Decision decision;
  for (RuleState& state : rules_) {
    const FaultRule& rule = state.rule;
    if (rule.opcode && *rule.opcode != opcode) continue;
    ++state.matched;
    if (rule.nth != 0 && state.matched != rule.nth && !(rule.and_later && state.matched > rule.nth)) {
      continue;
    }
    if (rule.kind == FaultRule::Kind::kLatency) {
      if (decision.latency.count() == 0) ++delayed_;
      decision.latency += rule.latency;
    } else if (!decision.fault) {
      decision.fault = rule;
    }
  }
  return decision;
}

// ---- Device -----------------------------------------------------------------------

std::string FaultInjectingDevice::name() const { return "faults:" + inner_.name(); }
std::span<const std::uint8_t> FaultInjectingDevice::identify_controller() const {
  return inner_.identify_controller();
}
std::vector<std::uint32_t> FaultInjectingDevice::namespace_ids() const {
  return inner_.namespace_ids();
}
std::span<const std::uint8_t> FaultInjectingDevice::identify_namespace(std::uint32_t nsid) const {
  return inner_.identify_namespace(nsid);
}

std::uint32_t FaultInjectingDevice::max_host_transfer_bytes() const {
  return inner_.max_host_transfer_bytes();
}

void FaultInjectingDevice::submit(Command command, CompletionHandler done) {
  Decision decision;
  bool qemu72 = false;
  {
    std::lock_guard lock(mutex_);
    decision = decide(command.sqe.opcode);
    qemu72 = qemu72_ && command.sqe.opcode == kOpcodeCopy;
    if (decision.fault && decision.fault->kind == FaultRule::Kind::kHold) {
      held_.push_back(Held{std::move(done)});
      return;
    }
  }
  if (!decision.fault && !qemu72 && decision.latency.count() == 0) {
    inner_submit(command, std::move(done));  // the inner device keeps the contract
    return;
  }
  schedule(decision.latency, [this, command, done = std::move(done), decision, qemu72]() {
    if (!decision.fault) {
      if (qemu72) return run_qemu72_copy(command, done);
      return inner_submit(command, done);
    }
    const FaultRule& f = *decision.fault;
    if (f.kind == FaultRule::Kind::kFailCopyAtRange && command.sqe.opcode == kOpcodeCopy) {
      return fail_copy_at(command, f.range, qemu72 ? qemu72_copy_failure() : f.status, done);
    }
    done(Completion{f.status, f.dw0, 0});
  });
}

void FaultInjectingDevice::submit_fused(Command compare, Command write, CompletionHandler done) {
  Decision decision;
  {
    std::lock_guard lock(mutex_);
    decision = decide(compare.sqe.opcode);
    const Decision second = decide(write.sqe.opcode);
    decision.latency += second.latency;
    if (!decision.fault) decision.fault = second.fault;
    if (decision.fault && decision.fault->kind == FaultRule::Kind::kHold) {
      held_.push_back(Held{std::move(done)});
      return;
    }
  }
  schedule(decision.latency, [this, compare, write, done = std::move(done), decision]() {
    if (decision.fault) return done(Completion{decision.fault->status, decision.fault->dw0, 0});
    {
      std::lock_guard lock(mutex_);
      ++inner_in_flight_;
    }
    inner_.submit_fused(compare, write, [this, done](const Completion& c) {
      done(c);
      inner_finished();
    });
  });
}

// ---- Copy faults ------------------------------------------------------------------

void FaultInjectingDevice::fail_copy_at(Command command, std::uint32_t range, Status status,
                                        CompletionHandler done) {
  const auto cmd = decode_copy(command.sqe);
  const std::size_t size = cmd ? source_range_size(cmd->desfmt) : 0;
  if (!cmd || size == 0 || range >= cmd->range_count() ||
      command.data.size() < cmd->range_count() * size) {
    return inner_submit(command, std::move(done));  // no such range: nothing to fail
  }
  if (range == 0) return done(Completion{status, 0, 0});
  Command prefix{copy_piece(command.sqe, cmd->sdlba, range), command.data.first(range * size)};
  inner_submit(prefix, [status, range, done = std::move(done)](const Completion& c) {
    done(c.status.ok() ? Completion{status, range, 0} : c);
  });
}

namespace {

// Splits ranges into consecutive pieces of at most `mcl` blocks (one range at least).
std::vector<std::pair<std::size_t, std::size_t>> mcl_pieces(std::span<const SourceRange> ranges,
                                                            std::uint64_t mcl) {
  std::vector<std::pair<std::size_t, std::size_t>> pieces;  // (first, count)
  std::uint64_t blocks = 0;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    if (pieces.empty() || blocks + ranges[i].blocks() > mcl) {
      pieces.emplace_back(i, 0);
      blocks = 0;
    }
    ++pieces.back().second;
    blocks += ranges[i].blocks();
  }
  return pieces;
}

}  // namespace

struct FaultInjectingDevice::CopyRun {
  Command command;
  std::vector<SourceRange> ranges;
  std::vector<std::pair<std::size_t, std::size_t>> pieces;  // (first range, count)
  std::size_t size = 0;                                    // descriptor bytes
  CompletionHandler done;
};

void FaultInjectingDevice::run_qemu72_copy(Command command, CompletionHandler done) {
  const auto cmd = decode_copy(command.sqe);
  const auto id_ns = decode_identify_namespace(inner_.identify_namespace(command.sqe.nsid));
  const auto id_ctrl = decode_identify_controller(inner_.identify_controller());
  if (!cmd || !id_ns || !id_ctrl) return inner_submit(command, std::move(done));
  // 7.2 has no cross-namespace copy (QEMU 9.1 added it): OCFS is 0h|1h, as measured on
  // QEMU 7.2.22.
  if (is_cross_namespace_format(cmd->desfmt)) {
    return done(Completion{Status::invalid_field_in_command(), 0, 0});
  }
  const auto ranges = decode_source_ranges(command.data, cmd->desfmt, cmd->range_count());
  if (!ranges) return inner_submit(command, std::move(done));
  // The synchronous checks (QEMU 7.2 nvme_copy() before any I/O: format, PRACT, NR > MSRC,
  // format vs PIF) answer with their real status: run the
  // validator with every per-range limit and MCL lifted, so only those can fail.
  NamespaceCopyInfo relaxed = namespace_copy_info(command.sqe.nsid, *id_ns);
  relaxed.mssrl = 0xFFFF;
  relaxed.mcl = UINT32_MAX;
  relaxed.nsze = UINT64_MAX;
  const CopyVerdict early = validate_copy(*cmd, *ranges, controller_copy_caps(*id_ctrl),
                                          relaxed);
  if (!early.status.ok()) return done(Completion{early.status, early.dw0, 0});

  auto run = std::make_shared<CopyRun>();
  run->command = command;
  run->ranges = *ranges;
  run->pieces = mcl_pieces(run->ranges, std::max<std::uint32_t>(id_ns->mcl, 1));
  run->size = source_range_size(cmd->desfmt);
  run->done = std::move(done);
  run_copy_piece(std::move(run), 0, cmd->sdlba);
}


// Pieces run one after another, like 7.2's in-order range loop; any failure becomes
// Internal Error with DW0 = the failing range's index in the whole command.
void FaultInjectingDevice::run_copy_piece(std::shared_ptr<CopyRun> run, std::size_t index,
                                          std::uint64_t sdlba) {
  const auto [first, count] = run->pieces[index];
  Command piece{copy_piece(run->command.sqe, sdlba, count),
                run->command.data.subspan(first * run->size, count * run->size)};
  std::uint64_t blocks = 0;
  for (std::size_t i = first; i < first + count; ++i) blocks += run->ranges[i].blocks();
  inner_submit(piece, [this, run, index, first = first, next = sdlba + blocks](
                          const Completion& c) {
    if (!c.status.ok()) {
      return run->done(
          Completion{qemu72_copy_failure(), static_cast<std::uint32_t>(first + c.dw0), 0});
    }
    if (index + 1 == run->pieces.size()) return run->done(Completion{Status::success(), 0, 0});
    run_copy_piece(run, index + 1, next);
  });
}

}  // namespace xg::nvme
