// The session's command window (RFC 7143 §4.2.2.1 "Command Numbering and
// Acknowledging"): which CmdSN values the target accepts, in which order it delivers
// them, and the ExpCmdSN/MaxCmdSN pair every response advertises. Sequence numbers
// compare in 32-bit serial arithmetic (RFC 1982), as RFC 7143 §4.2.2 requires.
#pragma once

#include <cstdint>

namespace xg::gateway {

// RFC 1982 serial number comparison for 32-bit sequence numbers.
constexpr bool sn_less(std::uint32_t a, std::uint32_t b) {
  return a != b && static_cast<std::int32_t>(a - b) < 0;
}
constexpr bool sn_less_or_equal(std::uint32_t a, std::uint32_t b) {
  return a == b || sn_less(a, b);
}

class CommandWindow {
 public:
  enum class Verdict : std::uint8_t {
    kDeliver,    // CmdSN == ExpCmdSN: run it now (ExpCmdSN advanced)
    kImmediate,  // immediate delivery: run it now, CmdSN not advanced
    kIgnore,     // outside [ExpCmdSN, MaxCmdSN]: silently discarded (RFC 7143 §4.2.2.1)
    kEarly,      // inside the window but ahead of ExpCmdSN: hold until the gap fills
  };

  CommandWindow(std::uint32_t exp_cmd_sn, std::uint32_t size)
      : exp_cmd_sn_(exp_cmd_sn), size_(size == 0 ? 1 : size) {}

  Verdict classify(std::uint32_t cmd_sn, bool immediate) {
    if (immediate) return Verdict::kImmediate;
    if (sn_less(cmd_sn, exp_cmd_sn_) || sn_less(max_cmd_sn(), cmd_sn)) return Verdict::kIgnore;
    if (cmd_sn != exp_cmd_sn_) return Verdict::kEarly;
    ++exp_cmd_sn_;
    return Verdict::kDeliver;
  }

  std::uint32_t exp_cmd_sn() const { return exp_cmd_sn_; }
  std::uint32_t max_cmd_sn() const { return exp_cmd_sn_ + size_ - 1; }

 private:
  std::uint32_t exp_cmd_sn_;
  std::uint32_t size_;
};

}  // namespace xg::gateway
