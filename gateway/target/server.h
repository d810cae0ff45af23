// The iSCSI target server: listens on portals, runs logins, discovery and normal
// sessions, and hands SCSI commands to each target's translate::ScsiTarget.
//
// Threading: one Boost.Asio io_context run by `threads` threads; each connection is a
// strand. run() returns after stop() (callable from any thread, not from a signal handler:
// set ServerOptions::stop_on_signals instead) once every connection is closed and every
// in-flight command completed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gateway/iscsi/negotiation.h"

namespace xg::translate {
class ScsiTarget;
}

namespace xg::gateway {

struct Portal {
  std::string address = "127.0.0.1";  // IPv4 or IPv6 literal
  std::uint16_t port = 3260;
  bool operator==(const Portal&) const = default;
};

struct TargetDefinition {
  std::string name;                 // IQN
  std::string alias;                // TargetAlias, may be empty
  std::shared_ptr<translate::ScsiTarget> scsi;
};

struct ServerOptions {
  std::vector<Portal> portals = {Portal{}};
  std::uint16_t portal_group_tag = 1;
  unsigned threads = 2;
  // Limits offered in login negotiation (RFC 7143 §13); names and auth come from targets.
  iscsi::TargetSettings negotiation;
  // Commands a session may have queued (MaxCmdSN - ExpCmdSN + 1, RFC 7143 §4.2.2.1).
  std::uint32_t command_window = 64;
  // NOP-In keepalive to an idle initiator, seconds (0: never); the connection is dropped
  // when an answer is this late again.
  unsigned nop_interval_seconds = 30;
  // SIGINT and SIGTERM call stop() (through Asio's signal_set, so safely).
  bool stop_on_signals = false;
};

class Server {
 public:
  Server(ServerOptions options, std::vector<TargetDefinition> targets);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every portal; false and `why` when one cannot be bound (in use, bad address).
  bool listen(std::string& why);
  // Serves until stop(); returns when every connection is closed.
  void run();
  // Closes the listeners and every connection; in-flight commands finish first.
  void stop();
  // The ports actually bound (useful with port 0 in tests), in portal order.
  std::vector<std::uint16_t> bound_ports() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xg::gateway
