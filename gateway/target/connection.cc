// Connection: socket I/O, login, and the Full Feature Phase PDUs that are not SCSI tasks
// (NOP, Text, Logout, Reject). SCSI tasks and task management: connection_tasks.cc.
#include "gateway/target/connection.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <utility>

#include "gateway/iscsi/pdu_writer.h"
#include "gateway/target/server_context.h"
#include "translate/scsi_target.h"

namespace xg::gateway {
namespace asio = boost::asio;

namespace {

// Outgoing bytes queued for the socket above which reading pauses, so a peer that does
// not read its responses cannot grow the queue without bound.
constexpr std::size_t kMaxQueuedOutput = 16 * 1024 * 1024;
// Write-buffer budget for solicited Data-Out per connection.
constexpr std::uint64_t kWriteBudget = 64ULL * 1024 * 1024;

std::string hex_isid(const std::array<std::uint8_t, 6>& isid) {
  char text[13];
  std::snprintf(text, sizeof text, "%02x%02x%02x%02x%02x%02x", isid[0], isid[1], isid[2],
                isid[3], isid[4], isid[5]);
  return text;
}

}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, ServerContext& context, std::uint64_t id)
    : socket_(std::move(socket)),
      strand_(asio::make_strand(socket_.get_executor())),
      context_(context),
      id_(id),
      budget_available_(kWriteBudget),
      nop_timer_(strand_) {
  boost::system::error_code ec;
  const auto remote = socket_.remote_endpoint(ec);
  peer_ = ec ? std::string("?") : remote.address().to_string() + ":" +
                                      std::to_string(remote.port());
  // During login the data segments are small (RFC 7143 §13.12: 8192 until negotiated).
  reader_ = iscsi::PduReader(iscsi::Role::kTarget, iscsi::PduReaderLimits{8192, 8192});
}

Connection::~Connection() = default;

void Connection::start() {
  auto self = shared_from_this();
  login_.emplace(context_.negotiation(),
                 [weak = std::weak_ptr<Connection>(self), this](const SessionAdmissionRequest& r)
                     -> iscsi::LoginResult<std::uint16_t> {
                   auto me = weak.lock();
                   if (!me) return iscsi::LoginStatus::target_error("connection closed");
                   return context_.admit(r, me);
                 },
                 context_.options().command_window);
  socket_.set_option(asio::ip::tcp::no_delay(true));
  asio::dispatch(strand_, [self] {
    spdlog::debug("connection {} from {}", self->id_, self->peer_);
    self->arm_nop_timer();
    self->read_more();
  });
}

void Connection::close(const char* why) {
  asio::post(strand_, [self = shared_from_this(), reason = std::string(why)] {
    self->close_on_strand(reason);
  });
}

void Connection::close_on_strand(const std::string& why) {
  if (closed_) return;
  closed_ = true;
  spdlog::info("connection {} ({}) closed: {}", id_, peer_, why);
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  nop_timer_.cancel();
  if (target_ != nullptr && nexus_) target_->scsi->nexus_lost(*nexus_);
  context_.forget(this);
}

// ---- I/O ------------------------------------------------------------------------------

void Connection::read_more() {
  if (closed_) return;
  if (queued_output_bytes_ > kMaxQueuedOutput) {
    reading_paused_ = true;  // resumed by write_next() once the queue drains
    return;
  }
  socket_.async_read_some(asio::buffer(read_buffer_),
                          asio::bind_executor(strand_, [self = shared_from_this()](
                                                           const boost::system::error_code& e,
                                                           std::size_t n) {
                            self->on_read(e, n);
                          }));
}

void Connection::on_read(const boost::system::error_code& error, std::size_t bytes) {
  if (closed_) return;
  if (error) {
    close_on_strand(error == asio::error::eof ? "peer closed the connection"
                                              : error.message());
    return;
  }
  activity_ = true;
  std::span<const std::uint8_t> chunk(read_buffer_.data(), bytes);
  while (!chunk.empty() && !closed_) {
    auto fed = reader_.feed(chunk);
    chunk = chunk.subspan(fed.consumed);
    if (!fed.outcome) continue;
    if (*fed.outcome) {
      on_pdu(std::move(**fed.outcome));
    } else {
      on_read_error(fed.outcome->error());
    }
  }
  if (close_after_flush_) return;
  read_more();
}

void Connection::on_read_error(const iscsi::PduReadError& error) {
  spdlog::warn("connection {} ({}): {} at byte {}: {}", id_, peer_,
               iscsi::pdu_error_code_name(error.error.code), error.error.offset,
               error.error.why);
  if (!full_feature_) {
    close_on_strand("malformed PDU during login");
    return;
  }
  if (error.error.reject && !error.rejected_header.empty()) {
    reject(error.rejected_header, *error.error.reject);
    // A Data-Out whose data digest failed leaves its task with a hole it cannot fill at
    // ErrorRecoveryLevel 0: end that task (RFC 7143 §7.8, ERL 0 recovery).
    if (error.error.code == iscsi::PduErrorCode::kDataDigest) {
      auto bhs = iscsi::decode_bhs(error.rejected_header);
      if (bhs && iscsi::opcode_of(*bhs) == iscsi::Opcode::kScsiDataOut) {
        fail_task(bhs->initiator_task_tag, scsi::Sense::protocol_service_crc_error());
      }
    }
  }
  if (error.error.drop_connection) close_on_strand("unrecoverable PDU error");
}

void Connection::send_pdu(const iscsi::Bhs& bhs, std::span<const std::uint8_t> data) {
  if (closed_) return;
  auto bytes = iscsi::write_pdu(bhs, {}, data, digests_);
  queued_output_bytes_ += bytes.size();
  output_.push_back(std::move(bytes));
  if (!writing_) write_next();
}

void Connection::write_next() {
  if (closed_) return;
  if (output_.empty()) {
    writing_ = false;
    if (close_after_flush_) {
      close_on_strand("logged out");
      return;
    }
    if (reading_paused_) {
      reading_paused_ = false;
      read_more();
    }
    return;
  }
  writing_ = true;
  asio::async_write(socket_, asio::buffer(output_.front()),
                    asio::bind_executor(strand_, [self = shared_from_this()](
                                                     const boost::system::error_code& e,
                                                     std::size_t) {
                      if (self->closed_) return;
                      if (e) {
                        self->close_on_strand("write failed: " + e.message());
                        return;
                      }
                      self->queued_output_bytes_ -= self->output_.front().size();
                      self->output_.pop_front();
                      self->write_next();
                    }));
}

// ---- Keepalive ------------------------------------------------------------------------

void Connection::arm_nop_timer() {
  const unsigned interval = context_.options().nop_interval_seconds;
  if (interval == 0 || closed_) return;
  nop_timer_.expires_after(std::chrono::seconds(interval));
  nop_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& e) {
    if (!e) self->on_nop_timer();
  });
}

void Connection::on_nop_timer() {
  if (closed_) return;
  if (!full_feature_) {
    close_on_strand("login did not complete in time");
    return;
  }
  if (nop_outstanding_ && !activity_) {
    close_on_strand("no answer to a NOP-In keepalive");
    return;
  }
  if (!activity_ && tasks_.empty()) {
    // RFC 7143 §11.19: a NOP-In with a valid TTT asks for a NOP-Out echoing it; StatSN
    // is not advanced for it (ITT FFFFFFFFh).
    iscsi::NopIn nop;
    nop.target_transfer_tag = 0x7FFF0000u | (next_ttt_++ & 0xFFFF);
    nop.stat_sn = stat_sn_;
    nop.exp_cmd_sn = window_->exp_cmd_sn();
    nop.max_cmd_sn = window_->max_cmd_sn();
    iscsi::Bhs bhs;
    bhs.initiator_task_tag = iscsi::kReservedTag;
    bhs.fields = nop;
    send_pdu(bhs);
    nop_outstanding_ = true;
  }
  activity_ = false;
  arm_nop_timer();
}

// ---- Login ----------------------------------------------------------------------------

void Connection::on_pdu(iscsi::Pdu pdu) {
  if (full_feature_) {
    on_full_feature_pdu(std::move(pdu));
  } else {
    on_login_pdu(pdu);
  }
}

void Connection::on_login_pdu(const iscsi::Pdu& pdu) {
  LoginStep step = login_->on_pdu(pdu);
  if (!step.response.empty()) {
    queued_output_bytes_ += step.response.size();
    output_.push_back(std::move(step.response));
    if (!writing_) write_next();
  }
  switch (step.next) {
    case LoginStep::Next::kContinue:
      break;
    case LoginStep::Next::kClose:
      close_after_flush_ = true;
      if (!writing_) close_on_strand("login failed");
      break;
    case LoginStep::Next::kFullFeature:
      enter_full_feature(login_->result());
      break;
  }
}

void Connection::enter_full_feature(const LoginResult& result) {
  params_ = result;
  full_feature_ = true;
  stat_sn_ = result.next_stat_sn;
  window_.emplace(result.exp_cmd_sn, context_.options().command_window);
  // RFC 7143 §13.1: digests apply from the first PDU after the final Login Response.
  digests_.header = result.connection.header_digest == iscsi::Digest::kCrc32c;
  digests_.data = result.connection.data_digest == iscsi::Digest::kCrc32c;
  reader_.set_digests(digests_);
  reader_.set_limits({result.connection.target_max_recv_data_segment_length,
                      result.session.first_burst_length});
  if (result.session.session_type == iscsi::SessionType::kNormal) {
    target_ = context_.find_target(result.session.target_name);
    char tpgt[8];
    std::snprintf(tpgt, sizeof tpgt, "%04x", context_.options().portal_group_tag);
    auto nexus = std::make_shared<translate::ItNexus>();
    nexus->initiator_port = result.session.initiator_name + ",i,0x" + hex_isid(result.isid);
    nexus->target_port = result.session.target_name + ",t,0x" + tpgt;
    nexus->relative_target_port = context_.options().portal_group_tag;
    nexus_ = std::move(nexus);
  }
  text_negotiator_.emplace(std::move(login_->negotiator()));
  login_.reset();
  spdlog::info("connection {} ({}): {} session tsih {} for {} {}", id_, peer_,
               target_ ? "normal" : "discovery", params_.tsih, params_.session.initiator_name,
               target_ ? params_.session.target_name : std::string());
}

// ---- Full Feature Phase ---------------------------------------------------------------

void Connection::on_full_feature_pdu(iscsi::Pdu pdu) {
  const iscsi::Opcode opcode = iscsi::opcode_of(pdu.bhs);
  // Data-Out and SNACK carry no CmdSN; everything else is numbered (RFC 7143 §4.2.2.1).
  if (opcode == iscsi::Opcode::kScsiDataOut) {
    on_data_out(pdu, std::get<iscsi::ScsiDataOut>(pdu.bhs.fields));
    return;
  }
  if (opcode == iscsi::Opcode::kSnackRequest) {
    // ErrorRecoveryLevel 0: SNACK is not supported (RFC 7143 §11.16, Reject 04h... the
    // RFC names 03h "SNACK Reject" for this case).
    reject(pdu.bhs_bytes, iscsi::RejectReason::kSnackReject);
    return;
  }
  if (opcode == iscsi::Opcode::kLoginRequest) {
    // A Login Request in Full Feature Phase is a protocol error (RFC 7143 §6.3).
    reject(pdu.bhs_bytes, iscsi::RejectReason::kProtocolError);
    return;
  }
  std::uint32_t cmd_sn = 0;
  bool immediate = false;
  std::visit(
      [&](const auto& f) {
        if constexpr (requires { f.cmd_sn; f.immediate; }) {
          cmd_sn = f.cmd_sn;
          immediate = f.immediate;
        }
      },
      pdu.bhs.fields);
  // A NOP-Out answering our ping (ITT FFFFFFFFh) is always immediate by rule (§11.18).
  if (opcode == iscsi::Opcode::kNopOut && pdu.bhs.initiator_task_tag == iscsi::kReservedTag) {
    immediate = true;
  }
  switch (window_->classify(cmd_sn, immediate)) {
    case CommandWindow::Verdict::kIgnore:
      spdlog::debug("connection {}: CmdSN {} outside [{}, {}], ignored", id_, cmd_sn,
                    window_->exp_cmd_sn(), window_->max_cmd_sn());
      return;
    case CommandWindow::Verdict::kEarly:
      early_.emplace(cmd_sn, std::move(pdu));
      return;
    case CommandWindow::Verdict::kImmediate:
    case CommandWindow::Verdict::kDeliver:
      break;
  }
  deliver(std::move(pdu));
  // Commands that were waiting for this one, in CmdSN order.
  for (auto it = early_.find(window_->exp_cmd_sn()); it != early_.end() && !closed_;
       it = early_.find(window_->exp_cmd_sn())) {
    iscsi::Pdu next = std::move(it->second);
    early_.erase(it);
    window_->classify(window_->exp_cmd_sn(), false);
    deliver(std::move(next));
  }
}

void Connection::deliver(iscsi::Pdu pdu) {
  auto& fields = pdu.bhs.fields;
  if (auto* command = std::get_if<iscsi::ScsiCommand>(&fields)) {
    const iscsi::ScsiCommand header = *command;
    on_scsi_command(std::move(pdu), header);
  } else if (auto* nop = std::get_if<iscsi::NopOut>(&fields)) {
    on_nop_out(pdu, *nop);
  } else if (auto* text = std::get_if<iscsi::TextRequest>(&fields)) {
    on_text(pdu, *text);
  } else if (auto* logout = std::get_if<iscsi::LogoutRequest>(&fields)) {
    on_logout(pdu, *logout);
  } else if (auto* tmf = std::get_if<iscsi::TaskManagementRequest>(&fields)) {
    on_task_management(pdu, *tmf);
  } else {
    reject(pdu.bhs_bytes, iscsi::RejectReason::kCommandNotSupported);
  }
}

void Connection::on_nop_out(const iscsi::Pdu& pdu, const iscsi::NopOut& nop) {
  if (pdu.bhs.initiator_task_tag == iscsi::kReservedTag) {
    nop_outstanding_ = false;  // the answer to our keepalive; nothing to send back
    return;
  }
  // RFC 7143 §11.19: echo the ping data, TTT FFFFFFFFh, StatSN advanced.
  iscsi::NopIn answer;
  answer.logical_unit_number = nop.logical_unit_number;
  answer.stat_sn = next_stat_sn();
  answer.exp_cmd_sn = window_->exp_cmd_sn();
  answer.max_cmd_sn = window_->max_cmd_sn();
  iscsi::Bhs bhs;
  bhs.initiator_task_tag = pdu.bhs.initiator_task_tag;
  bhs.fields = answer;
  send_pdu(bhs, pdu.data);
}

void Connection::on_text(const iscsi::Pdu& pdu, const iscsi::TextRequest& text) {
  iscsi::TextResponse response;
  response.stat_sn = next_stat_sn();
  response.exp_cmd_sn = window_->exp_cmd_sn();
  response.max_cmd_sn = window_->max_cmd_sn();
  iscsi::Bhs bhs;
  bhs.initiator_task_tag = pdu.bhs.initiator_task_tag;
  std::vector<std::uint8_t> body;
  if (text.target_transfer_tag != iscsi::kReservedTag && text.target_transfer_tag == text_ttt_ &&
      !text_remaining_.empty()) {
    body = std::move(text_remaining_);  // the initiator asks for the rest (§11.10.4)
    text_remaining_.clear();
  } else {
    auto assembled = text_assembler_.add(pdu.data, text.continue_);
    if (!assembled) {
      text_assembler_.reset();
      reject(pdu.bhs_bytes, iscsi::RejectReason::kProtocolError);
      return;
    }
    if (!assembled->has_value()) {
      response.final = false;  // more request text follows: empty answer (§11.11.1)
      response.target_transfer_tag = iscsi::kReservedTag;
      bhs.fields = response;
      send_pdu(bhs);
      return;
    }
    auto answer = text_negotiator_->negotiate(**assembled, iscsi::Stage::kFullFeature);
    if (!answer) {
      reject(pdu.bhs_bytes, iscsi::RejectReason::kProtocolError);
      return;
    }
    iscsi::TextKeyList keys = *answer;
    if (const auto& request = text_negotiator_->send_targets()) {
      auto entries = context_.send_targets_entries();
      auto listed = iscsi::send_targets_response(entries, *request, params_.session);
      keys.insert(keys.end(), listed.begin(), listed.end());
    }
    body = iscsi::encode_text(keys);
  }
  const std::size_t limit = params_.connection.initiator_max_recv_data_segment_length;
  if (body.size() > limit) {
    // RFC 7143 §11.11.2: C=1, F=0 and a TTT; the initiator fetches the rest.
    text_remaining_.assign(body.begin() + static_cast<std::ptrdiff_t>(limit), body.end());
    body.resize(limit);
    text_ttt_ = next_ttt_++;
    response.final = false;
    response.continue_ = true;
    response.target_transfer_tag = text_ttt_;
  }
  bhs.fields = response;
  send_pdu(bhs, body);
}

void Connection::on_logout(const iscsi::Pdu& pdu, const iscsi::LogoutRequest& logout) {
  iscsi::LogoutResponse response;
  // RFC 7143 §11.15.1: 02h "connection recovery is not supported" at ERL 0.
  response.response =
      logout.reason_code == iscsi::LogoutReason::kRemoveConnectionForRecovery ? 0x02 : 0x00;
  response.stat_sn = next_stat_sn();
  response.exp_cmd_sn = window_->exp_cmd_sn();
  response.max_cmd_sn = window_->max_cmd_sn();
  iscsi::Bhs bhs;
  bhs.initiator_task_tag = pdu.bhs.initiator_task_tag;
  bhs.fields = response;
  send_pdu(bhs);
  if (response.response == 0x00) close_after_flush_ = true;
}

void Connection::reject(std::span<const std::uint8_t> header, iscsi::RejectReason reason) {
  iscsi::Reject reject_pdu;
  reject_pdu.reason = static_cast<std::uint8_t>(reason);
  reject_pdu.stat_sn = next_stat_sn();
  reject_pdu.exp_cmd_sn = window_ ? window_->exp_cmd_sn() : 0;
  reject_pdu.max_cmd_sn = window_ ? window_->max_cmd_sn() : 0;
  iscsi::Bhs bhs;
  bhs.initiator_task_tag = iscsi::kReservedTag;
  bhs.fields = reject_pdu;
  send_pdu(bhs, header.first(std::min<std::size_t>(header.size(), iscsi::kBhsLength)));
}

}  // namespace xg::gateway
