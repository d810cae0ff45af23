// What every connection of a Server shares: the served targets, the options, and the
// session table that login admission (new sessions, reinstatement) consults. Internal to
// gateway/target; thread-safe.
#pragma once

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>
// (keep the line above first)
#include <boost/asio.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "gateway/iscsi/negotiation.h"
#include "gateway/target/login.h"
#include "gateway/target/server.h"

namespace xg::gateway {

class Connection;

class ServerContext {
 public:
  ServerContext(boost::asio::io_context& io, ServerOptions options,
                std::vector<TargetDefinition> targets);

  boost::asio::io_context& io() { return io_; }
  const ServerOptions& options() const { return options_; }
  const TargetDefinition* find_target(std::string_view name) const;
  // The negotiation settings with the served target names filled in.
  const iscsi::TargetSettings& negotiation() const { return negotiation_; }
  // SendTargets answer material: every target at every portal (RFC 7143 §13.3).
  std::vector<iscsi::SendTargetsEntry> send_targets_entries() const;

  // Login admission for `connection` (RFC 7143 §6.3.1 session reinstatement: a new
  // login with TSIH 0 and the ISID of an existing session of the same initiator and
  // target closes the old session first).
  iscsi::LoginResult<std::uint16_t> admit(const SessionAdmissionRequest& request,
                                          const std::shared_ptr<Connection>& connection);
  // The connection is gone; its session (if any) with it (one connection per session).
  void forget(const Connection* connection);

  void track(const std::shared_ptr<Connection>& connection);
  std::vector<std::shared_ptr<Connection>> connections();
  void set_bound_endpoints(std::vector<boost::asio::ip::tcp::endpoint> endpoints);

 private:
  using SessionKey = std::tuple<std::string, std::string, std::array<std::uint8_t, 6>>;
  struct SessionEntry {
    std::uint16_t tsih = 0;
    std::weak_ptr<Connection> connection;
  };

  boost::asio::io_context& io_;
  ServerOptions options_;
  std::vector<TargetDefinition> targets_;
  iscsi::TargetSettings negotiation_;
  mutable std::mutex mutex_;
  std::map<SessionKey, SessionEntry> sessions_;
  std::map<const Connection*, std::weak_ptr<Connection>> connections_;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints_;
  std::uint16_t next_tsih_ = 1;
};

}  // namespace xg::gateway
