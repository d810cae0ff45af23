#include "gateway/target/server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <optional>
#include <thread>

#include "gateway/target/connection.h"
#include "gateway/target/server_context.h"
#include "translate/scsi_target.h"

namespace xg::gateway {
namespace asio = boost::asio;

// ---- ServerContext --------------------------------------------------------------------

ServerContext::ServerContext(asio::io_context& io, ServerOptions options,
                             std::vector<TargetDefinition> targets)
    : io_(io), options_(std::move(options)), targets_(std::move(targets)) {
  negotiation_ = options_.negotiation;
  negotiation_.target_names.clear();
  for (const auto& target : targets_) negotiation_.target_names.push_back(target.name);
  negotiation_.target_portal_group_tag = options_.portal_group_tag;
  // One connection per session at ErrorRecoveryLevel 0 (see connection.h).
  negotiation_.max_connections = 1;
  negotiation_.error_recovery_level = 0;
}

const TargetDefinition* ServerContext::find_target(std::string_view name) const {
  for (const auto& target : targets_) {
    if (target.name == name) return &target;
  }
  return nullptr;
}

std::vector<iscsi::SendTargetsEntry> ServerContext::send_targets_entries() const {
  std::vector<std::string> addresses;
  {
    std::lock_guard lock(mutex_);
    for (const auto& endpoint : endpoints_) {
      const auto address = endpoint.address();
      // RFC 7143 §13.8: an IPv6 address in brackets.
      const std::string host =
          address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
      addresses.push_back(host + ":" + std::to_string(endpoint.port()) + "," +
                          std::to_string(options_.portal_group_tag));
    }
  }
  std::vector<iscsi::SendTargetsEntry> entries;
  for (const auto& target : targets_) entries.push_back({target.name, addresses});
  return entries;
}

iscsi::LoginResult<std::uint16_t> ServerContext::admit(
    const SessionAdmissionRequest& request, const std::shared_ptr<Connection>& connection) {
  std::shared_ptr<Connection> reinstated;
  std::uint16_t tsih = 0;
  {
    std::lock_guard lock(mutex_);
    if (request.tsih != 0) {
      // Adding a connection to a session: MaxConnections is 1 (RFC 7143 §11.13.5).
      for (const auto& [key, entry] : sessions_) {
        if (entry.tsih == request.tsih) {
          return iscsi::LoginStatus{0x02, 0x06, "too many connections (MaxConnections=1)"};
        }
      }
      return iscsi::LoginStatus{0x02, 0x0A, "session does not exist"};
    }
    SessionKey key{request.session.initiator_name, request.session.target_name, request.isid};
    auto found = sessions_.find(key);
    if (found != sessions_.end()) reinstated = found->second.connection.lock();
    do {
      tsih = next_tsih_++;
    } while (tsih == 0);  // TSIH 0 is reserved for "new session" (§11.12.6)
    sessions_[key] = SessionEntry{tsih, connection};
  }
  if (reinstated && reinstated != connection) {
    // RFC 7143 §6.3.5 session reinstatement: the old session is closed (ERL 0).
    spdlog::info("session of {} reinstated by a new login", request.session.initiator_name);
    reinstated->close("session reinstated");
  }
  return tsih;
}

void ServerContext::forget(const Connection* connection) {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [connection](const auto& item) {
    auto locked = item.second.connection.lock();
    return !locked || locked.get() == connection;
  });
  connections_.erase(connection);
}

void ServerContext::track(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mutex_);
  connections_[connection.get()] = connection;
}

std::vector<std::shared_ptr<Connection>> ServerContext::connections() {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Connection>> out;
  for (auto& [raw, weak] : connections_) {
    if (auto locked = weak.lock()) out.push_back(std::move(locked));
  }
  return out;
}

void ServerContext::set_bound_endpoints(std::vector<asio::ip::tcp::endpoint> endpoints) {
  std::lock_guard lock(mutex_);
  endpoints_ = std::move(endpoints);
}

// ---- Server ---------------------------------------------------------------------------

struct Server::Impl {
  Impl(ServerOptions options, std::vector<TargetDefinition> targets)
      : context(io, std::move(options), std::move(targets)) {}

  void accept(asio::ip::tcp::acceptor& acceptor) {
    acceptor.async_accept(asio::make_strand(io), [this, &acceptor](
                                                     const boost::system::error_code& error,
                                                     asio::ip::tcp::socket socket) {
      if (!accepting) return;  // stop() closed the acceptors: never re-arm a closed one
      if (error) {
        if (error != asio::error::operation_aborted) {
          spdlog::warn("accept failed: {}", error.message());
          accept(acceptor);
        }
        return;
      }
      auto connection =
          std::make_shared<Connection>(std::move(socket), context, next_connection_id++);
      context.track(connection);
      connection->start();
      accept(acceptor);
    });
  }

  asio::io_context io;
  ServerContext context;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors;
  // The acceptors live on one strand, and stop() closes them there: an accept completion
  // running on another server thread while the close ran re-armed the closed acceptor,
  // which failed at once with EBADF, forever, so run() never returned (seen as a hung
  // test teardown under load).
  asio::strand<asio::io_context::executor_type> accept_strand = asio::make_strand(io);
  bool accepting = true;  // on accept_strand only
  std::atomic<std::uint64_t> next_connection_id{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
};

Server::Server(ServerOptions options, std::vector<TargetDefinition> targets)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(targets))) {}

Server::~Server() {
  stop();
}

bool Server::listen(std::string& why) {
  std::vector<asio::ip::tcp::endpoint> bound;
  for (const auto& portal : impl_->context.options().portals) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(portal.address, ec);
    if (ec) {
      why = "portal " + portal.address + ": not an IP address";
      return false;
    }
    auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(impl_->accept_strand);
    const asio::ip::tcp::endpoint endpoint(address, portal.port);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      why = "portal " + portal.address + ":" + std::to_string(portal.port) + ": " +
            ec.message();
      return false;
    }
    bound.push_back(acceptor->local_endpoint());
    impl_->acceptors.push_back(std::move(acceptor));
  }
  impl_->context.set_bound_endpoints(bound);
  for (auto& acceptor : impl_->acceptors) impl_->accept(*acceptor);
  return true;
}

void Server::run() {
  impl_->keep_running.emplace(impl_->io.get_executor());
  std::optional<asio::signal_set> signals;
  if (impl_->context.options().stop_on_signals) {
    signals.emplace(impl_->io, SIGINT, SIGTERM);
    signals->async_wait([this](const boost::system::error_code& error, int signal) {
      if (error) return;
      spdlog::info("signal {}: stopping", signal);
      stop();
    });
  }
  const unsigned count = std::max(1U, impl_->context.options().threads);
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < count; ++i) threads.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  for (auto& thread : threads) thread.join();
}

void Server::stop() {
  if (!impl_) return;
  asio::post(impl_->accept_strand, [this] {
    impl_->accepting = false;
    for (auto& acceptor : impl_->acceptors) {
      boost::system::error_code ignored;
      acceptor->close(ignored);
    }
  });
  asio::post(impl_->io, [this] {
    for (auto& connection : impl_->context.connections()) connection->close("server stopping");
    // In-flight commands hold their own work guards, so run() returns only after them.
    impl_->keep_running.reset();
  });
}

std::vector<std::uint16_t> Server::bound_ports() const {
  std::vector<std::uint16_t> ports;
  for (const auto& acceptor : impl_->acceptors) {
    boost::system::error_code ec;
    const auto endpoint = acceptor->local_endpoint(ec);
    ports.push_back(ec ? 0 : endpoint.port());
  }
  return ports;
}

}  // namespace xg::gateway
