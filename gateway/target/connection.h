// One iSCSI connection (RFC 7143) over TCP: framing (gateway/iscsi/pdu_reader.h), the
// login phase (login.h), then Full Feature Phase: SCSI commands with their Data-Out, R2T
// and Data-In sequences, NOP, Text (SendTargets), Logout and task management.
//
// Sessions have one connection (MaxConnections=1, ErrorRecoveryLevel=0), so session state
// (command window, tasks, the I_T nexus) lives here too.
//
// Threading: every member runs on the connection's strand. SCSI completions arrive on
// device threads and are posted back to it; each holds a work guard so Server::run()
// does not return while a command is still in flight.
//
// Memory bound (whatever the peer sends): the PDU reader holds at most one PDU; Data-Out
// buffers are solicited (R2T) only while the connection's write-buffer budget allows;
// unsolicited data is bounded by FirstBurstLength per command and by the command window;
// outgoing PDUs stop reading when more than kMaxQueuedOutput bytes wait for the socket.
#pragma once

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>
// (keep the line above first)
#include <boost/asio.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/iscsi/bhs.h"
#include "gateway/iscsi/negotiation.h"
#include "gateway/iscsi/pdu_reader.h"
#include "gateway/iscsi/text_keys.h"
#include "gateway/target/command_window.h"
#include "gateway/target/login.h"
#include "translate/scsi_command.h"

namespace xg::gateway {

class ServerContext;
struct TargetDefinition;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, ServerContext& context, std::uint64_t id);
  ~Connection();

  void start();
  // Closes the socket from any thread; in-flight commands finish, their answers dropped.
  void close(const char* why);

  std::uint64_t id() const { return id_; }

 private:
  using Strand = boost::asio::strand<boost::asio::any_io_executor>;

  // One SCSI task (RFC 7143 §3.2.1): a command and the transfers that belong to it.
  struct Task {
    iscsi::ScsiCommand header;
    std::uint32_t itt = 0;
    std::vector<std::uint8_t> cdb;
    std::vector<std::uint8_t> data_out;
    std::uint32_t received = 0;          // Data-Out bytes so far (contiguous from 0)
    std::uint32_t unsolicited_limit = 0;  // immediate + unsolicited bytes allowed
    std::uint32_t next_data_sn = 0;      // DataSN expected in the current sequence
    std::optional<std::uint32_t> r2t_ttt;  // TTT of the outstanding R2T
    std::uint32_t r2t_end = 0;           // buffer offset where that R2T's burst ends
    std::uint32_t r2t_sn = 0;            // R2TSN of the next R2T
    std::uint32_t data_in_pdus = 0;      // for ExpDataSN in the response
    std::uint64_t budget = 0;            // write-buffer budget held
    bool executing = false;              // handed to the device server
    bool aborted = false;                // by task management: send no response
  };

  // ---- I/O ----
  void read_more();
  void on_read(const boost::system::error_code& error, std::size_t bytes);
  void on_pdu(iscsi::Pdu pdu);
  void on_read_error(const iscsi::PduReadError& error);
  void send_pdu(const iscsi::Bhs& bhs, std::span<const std::uint8_t> data = {});
  void write_next();
  void close_on_strand(const std::string& why);
  void arm_nop_timer();
  void on_nop_timer();

  // ---- Login and session ----
  void on_login_pdu(const iscsi::Pdu& pdu);
  void enter_full_feature(const LoginResult& result);
  void on_full_feature_pdu(iscsi::Pdu pdu);
  void deliver(iscsi::Pdu pdu);
  void on_nop_out(const iscsi::Pdu& pdu, const iscsi::NopOut& nop);
  void on_text(const iscsi::Pdu& pdu, const iscsi::TextRequest& text);
  void on_logout(const iscsi::Pdu& pdu, const iscsi::LogoutRequest& logout);
  void reject(std::span<const std::uint8_t> header, iscsi::RejectReason reason);
  std::uint32_t next_stat_sn() { return stat_sn_++; }

  // ---- SCSI tasks (connection_tasks.cc) ----
  void on_scsi_command(iscsi::Pdu pdu, const iscsi::ScsiCommand& command);
  void on_data_out(const iscsi::Pdu& pdu, const iscsi::ScsiDataOut& data_out);
  void solicit(Task& task);
  void solicit_waiting();
  void maybe_execute(std::uint32_t itt);
  void execute(Task& task);
  void complete(std::uint32_t itt, translate::ScsiResponse response);
  void send_response(Task& task, const translate::ScsiResponse& response);
  void fail_task(std::uint32_t itt, const scsi::Sense& sense);
  void finish_task(std::uint32_t itt);
  void on_task_management(const iscsi::Pdu& pdu, const iscsi::TaskManagementRequest& tmf);
  void answer_task_management(std::uint32_t itt, std::uint8_t response);
  void flush_pending_tmf();

  boost::asio::ip::tcp::socket socket_;
  Strand strand_;
  ServerContext& context_;
  const std::uint64_t id_;
  std::array<std::uint8_t, 64 * 1024> read_buffer_{};
  iscsi::PduReader reader_;
  std::deque<std::vector<std::uint8_t>> output_;
  std::size_t queued_output_bytes_ = 0;
  bool writing_ = false;
  bool reading_paused_ = false;
  bool closed_ = false;
  bool close_after_flush_ = false;
  std::string peer_;

  // Login, then Full Feature Phase.
  std::optional<LoginExchange> login_;
  bool full_feature_ = false;
  LoginResult params_;
  iscsi::DigestSettings digests_;
  const TargetDefinition* target_ = nullptr;  // null in a Discovery session
  std::shared_ptr<const translate::ItNexus> nexus_;
  std::uint32_t stat_sn_ = 0;
  std::optional<CommandWindow> window_;
  std::map<std::uint32_t, iscsi::Pdu> early_;  // CmdSN -> command ahead of ExpCmdSN

  // Text requests (Negotiator for keys; a long answer is sent in pieces, RFC 7143 §11.11).
  std::optional<iscsi::Negotiator> text_negotiator_;
  iscsi::TextAssembler text_assembler_;
  std::vector<std::uint8_t> text_remaining_;
  std::uint32_t text_ttt_ = 0;

  // Tasks by ITT; the write-buffer budget; writes waiting for it.
  std::map<std::uint32_t, Task> tasks_;
  std::uint64_t budget_available_ = 0;
  std::deque<std::uint32_t> waiting_for_budget_;
  std::uint32_t next_ttt_ = 1;

  // Task management responses held until the tasks they aborted have left the device.
  struct PendingTmf {
    std::uint32_t itt = 0;
    std::uint8_t response = 0;
    std::vector<std::uint32_t> waiting_for;  // ITTs still executing
  };
  std::vector<PendingTmf> pending_tmf_;

  // Keepalive (RFC 7143 §11.19: a target NOP-In with a TTT asks for a NOP-Out back).
  boost::asio::steady_timer nop_timer_;
  bool nop_outstanding_ = false;
  bool activity_ = false;
};

}  // namespace xg::gateway
