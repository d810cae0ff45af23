// FaultInjectingDevice: wraps any nvme::Device and makes chosen commands fail, stall or
// hang, so tests can drive COPY ABORTED, partial progress, timeouts and QEMU 7.2's quirks
// without special hardware. It keeps the Device threading contract: injected completions
// run on the wrapper's own scheduler thread, never inside submit().
//
// Rules (add_rule(); thread-safe, evaluated in the order added). A rule matches a command
// when its opcode filter is empty or equal to the command's opcode; each rule counts the
// commands it has matched (1, 2, ...) and fires on match number `nth`, or on every match
// when `nth` is 0 (from `nth` on when `and_later` is set):
//   kFailCommand      complete with `status` and `dw0` without reaching the inner device
//   kFailCopyAtRange  (Copy only) run ranges 0..range-1 on the inner device (NR rewritten,
//                     the descriptor buffer cut to those ranges), then complete with
//                     `status` and DW0 = range; range 0 runs nothing. If the inner device
//                     fails first, its completion is passed on unchanged.
//   kLatency          delay the command by `latency` before it reaches the inner device
//   kHold             keep the command without completing it (a timeout) until
//                     release_held() or destruction completes it with 0x0007 Command Abort
//                     Requested (DNR clear)
// The first firing fail/hold rule wins; latencies of all firing rules add up.
//
// qemu72 mode reproduces QEMU 7.2 (hw/nvme/ctrl.c nvme_copy(), measured on 7.2.22) on top of a
// conforming inner device: Copy command-level checks (format, PRACT, NR > MSRC, format vs PIF)
// answer as usual, any later Copy failure (per-range limits, bounds, I/O errors, injected range
// failures) completes as 0x0006 Internal Error without DNR and with DW0 = the range, and
// MCL is not enforced (the copy is sent to the inner device in pieces of at most MCL
// blocks; a single range above MCL is still refused by the inner device, reported 0x0006).
//
// Destruction completes held commands (0x0007), then waits for every command it passed
// to the inner device.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "nvme/device.h"

namespace xg::nvme {

struct FaultRule {
  enum class Kind { kFailCommand, kFailCopyAtRange, kLatency, kHold };
  Kind kind = Kind::kFailCommand;
  std::uint64_t nth = 0;                // 1-based match number; 0 = every match
  bool and_later = false;               // also every match after `nth`
  std::optional<std::uint8_t> opcode;   // empty = any opcode
  Status status = Status::internal_error();
  std::uint32_t dw0 = 0;                // kFailCommand
  std::uint32_t range = 0;              // kFailCopyAtRange
  std::chrono::microseconds latency{0};  // kLatency

  static FaultRule fail_command(std::uint64_t nth, Status status, std::uint32_t dw0 = 0,
                                std::optional<std::uint8_t> opcode = std::nullopt);
  static FaultRule fail_copy_at_range(std::uint64_t nth, std::uint32_t range, Status status);
  static FaultRule latency_for(std::chrono::microseconds latency, std::uint64_t nth = 0,
                               std::optional<std::uint8_t> opcode = std::nullopt);
  static FaultRule hold(std::uint64_t nth, std::optional<std::uint8_t> opcode = std::nullopt);
  // Holds match `nth` and every later one: the first nth - 1 pass, then nothing does.
  static FaultRule hold_from(std::uint64_t nth,
                             std::optional<std::uint8_t> opcode = std::nullopt);
};

class FaultInjectingDevice final : public Device {
 public:
  explicit FaultInjectingDevice(Device& inner);                 // referenced
  explicit FaultInjectingDevice(std::unique_ptr<Device> inner);  // owned
  ~FaultInjectingDevice() override;
  FaultInjectingDevice(const FaultInjectingDevice&) = delete;
  FaultInjectingDevice& operator=(const FaultInjectingDevice&) = delete;

  void add_rule(const FaultRule& rule);
  void clear_rules();
  void set_qemu72(bool on);
  // Completes every held command with 0x0007; returns how many.
  std::size_t release_held();
  std::size_t held_count() const;
  // Commands a latency rule delayed (so tests can tell which were, without a clock).
  std::uint64_t delayed_count() const;
  // Commands seen per opcode (a fused pair counts its Compare and its Write).
  std::uint64_t commands_seen(std::uint8_t opcode) const;

  std::string name() const override;
  std::span<const std::uint8_t> identify_controller() const override;
  std::vector<std::uint32_t> namespace_ids() const override;
  std::span<const std::uint8_t> identify_namespace(std::uint32_t nsid) const override;
  void submit(Command command, CompletionHandler done) override;
  void submit_fused(Command compare, Command write, CompletionHandler done) override;
  std::uint32_t max_host_transfer_bytes() const override;

 private:
  struct RuleState {
    FaultRule rule;
    std::uint64_t matched = 0;
  };
  struct Decision {
    std::optional<FaultRule> fault;  // kFailCommand, kFailCopyAtRange or kHold
    std::chrono::microseconds latency{0};
  };
  struct Timed {
    std::chrono::steady_clock::time_point due;
    std::uint64_t sequence;
    std::function<void()> task;
  };
  struct Held {
    CompletionHandler done;
  };

  Decision decide(std::uint8_t opcode);
  void schedule(std::chrono::microseconds delay, std::function<void()> task);
  void scheduler();
  void forward(Command command, CompletionHandler done);
  void forward_fused(Command compare, Command write, CompletionHandler done);
  void fail_copy_at(Command command, std::uint32_t range, Status status, CompletionHandler done);
  void run_qemu72_copy(Command command, CompletionHandler done);
  struct CopyRun;  // a qemu72 Copy cut into MCL-sized pieces (fault_injecting_device.cc)
  void run_copy_piece(std::shared_ptr<CopyRun> run, std::size_t index, std::uint64_t sdlba);
  void inner_submit(Command command, CompletionHandler done);
  void inner_finished();

  std::unique_ptr<Device> owned_;
  Device& inner_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::vector<RuleState> rules_;
  bool qemu72_ = false;
  std::map<std::uint8_t, std::uint64_t> seen_;
  std::uint64_t delayed_ = 0;
  std::vector<Held> held_;
  std::vector<Timed> timers_;  // a min-heap on (due, sequence)
  std::uint64_t sequence_ = 0;
  std::size_t inner_in_flight_ = 0;
  std::size_t running_ = 0;  // scheduler tasks executing now
  bool stopping_ = false;
  std::thread scheduler_thread_;
};

}  // namespace xg::nvme
