#include "gateway/target/login.h"

#include <utility>

#include "gateway/iscsi/pdu_writer.h"

namespace xg::gateway {
namespace {

using iscsi::LoginStage;
using iscsi::LoginStatus;

iscsi::Stage negotiation_stage(LoginStage stage) {
  return stage == LoginStage::kSecurityNegotiation ? iscsi::Stage::kSecurity
                                                   : iscsi::Stage::kOperational;
}

// RFC 7143 §11.13.5 status details the negotiator does not produce.
constexpr LoginStatus kUnsupportedVersion{0x02, 0x05, "Version-min above 00h"};

}  // namespace

LoginExchange::LoginExchange(iscsi::TargetSettings settings, SessionAdmission admission,
                             std::uint32_t command_window)
    : negotiator_(std::move(settings)),
      admission_(std::move(admission)),
      command_window_(command_window) {}

LoginStep LoginExchange::on_pdu(const iscsi::Pdu& pdu) {
  const auto* request = std::get_if<iscsi::LoginRequest>(&pdu.bhs.fields);
  if (request == nullptr) {
    // RFC 7143 §6.3: before Full Feature Phase the initiator may send only Login
    // Requests; anything else is a protocol error that ends the connection. A Login
    // Response is owed to no one here, so the connection simply closes.
    return LoginStep{{}, LoginStep::Next::kClose};
  }
  return on_login(pdu, *request);
}

std::optional<LoginStatus> LoginExchange::check_consistency(const iscsi::LoginRequest& r) {
  if (first_) {
    if (r.version_min > 0x00) return kUnsupportedVersion;
    result_.isid = r.isid;
    result_.tsih = r.tsih;
    result_.cid = r.cid;
    result_.exp_cmd_sn = r.cmd_sn;
    // The initial StatSN is the target's choice (RFC 7143 §4.2.2.2); echoing the
    // initiator's ExpStatSN keeps both sides in step from the first response.
    stat_sn_ = r.exp_stat_sn;
    current_stage_ = r.csg;
    first_ = false;
    return std::nullopt;
  }
  // RFC 7143 §11.12.4-§11.12.6: ISID, TSIH and CID stay constant within a login.
  if (r.isid != result_.isid || r.tsih != result_.tsih || r.cid != result_.cid) {
    return LoginStatus::initiator_error("ISID, TSIH or CID changed during the login");
  }
  // CSG may only move forward (to the stage the previous response agreed to).
  if (r.csg != current_stage_) {
    return LoginStatus::initiator_error("CSG does not match the stage the target is in");
  }
  return std::nullopt;
}

LoginStep LoginExchange::on_login(const iscsi::Pdu& pdu, const iscsi::LoginRequest& request) {
  itt_ = pdu.bhs.initiator_task_tag;
  if (auto status = check_consistency(request)) return fail(request, *status);
  if (request.transit && request.continue_) {
    return fail(request, LoginStatus::initiator_error("T and C both set (RFC 7143 §11.12.2)"));
  }
  if (request.transit && static_cast<int>(request.nsg) <= static_cast<int>(request.csg)) {
    return fail(request, LoginStatus::initiator_error("NSG not after CSG"));
  }
  if (request.csg == LoginStage::kFullFeaturePhase) {
    return fail(request, LoginStatus::initiator_error("CSG is Full Feature Phase"));
  }

  auto assembled = assembler_.add(pdu.data, request.continue_);
  if (!assembled) {
    return fail(request, LoginStatus::initiator_error("malformed login text"));
  }
  if (!assembled->has_value()) {
    // More text follows (C=1): answer with an empty response, T=0 (RFC 7143 §11.13.2).
    return respond(request, false, request.csg, {}, pdu.bhs.initiator_task_tag);
  }
  auto answer = negotiator_.negotiate(**assembled, negotiation_stage(request.csg));
  if (!answer) return fail(request, answer.error());

  bool transit = request.transit;
  if (transit && request.csg == LoginStage::kSecurityNegotiation &&
      !negotiator_.authenticated()) {
    transit = false;  // RFC 7143 §12: authentication has not finished yet
  }
  if (transit && request.csg == LoginStage::kLoginOperationalNegotiation &&
      negotiator_.awaiting_answers()) {
    transit = false;  // the initiator must first answer the keys the target offered
  }
  if (transit && request.nsg == LoginStage::kFullFeaturePhase) {
    if (!negotiator_.authenticated()) {
      return fail(request, LoginStatus::authentication_failure("not authenticated"));
    }
    SessionAdmissionRequest admission_request{negotiator_.session(), result_.isid,
                                              result_.tsih, result_.cid};
    auto admitted = admission_(admission_request);
    if (!admitted) return fail(request, admitted.error());
    result_.tsih = *admitted;
    result_.session = negotiator_.session();
    result_.connection = negotiator_.connection();
  }
  LoginStep step = respond(request, transit, request.nsg, *answer, pdu.bhs.initiator_task_tag);
  if (transit) {
    current_stage_ = request.nsg;
    if (request.nsg == LoginStage::kFullFeaturePhase) {
      result_.next_stat_sn = stat_sn_;
      step.next = LoginStep::Next::kFullFeature;
    }
  }
  return step;
}

LoginStep LoginExchange::respond(const iscsi::LoginRequest& request, bool transit,
                                 LoginStage nsg, const iscsi::TextKeyList& keys,
                                 std::uint32_t itt) {
  iscsi::LoginResponse response;
  response.transit = transit;
  response.csg = request.csg;
  response.nsg = transit ? nsg : LoginStage::kSecurityNegotiation;  // reserved when T=0
  response.version_max = 0x00;
  response.version_active = 0x00;
  response.isid = result_.isid;
  // The TSIH is given in the final response (RFC 7143 §11.13.4); before, the request's.
  response.tsih = result_.tsih;
  response.stat_sn = stat_sn_++;
  // Login is an immediate command and does not advance CmdSN (RFC 7143 §4.2.2.1).
  response.exp_cmd_sn = result_.exp_cmd_sn;
  response.max_cmd_sn = result_.exp_cmd_sn + command_window_ - 1;
  iscsi::Bhs bhs;
  bhs.initiator_task_tag = itt;
  bhs.fields = response;
  return LoginStep{iscsi::write_pdu(bhs, {}, iscsi::encode_text(keys)),
                   LoginStep::Next::kContinue};
}

LoginStep LoginExchange::fail(const iscsi::LoginRequest& request, LoginStatus status) {
  iscsi::LoginResponse response;
  response.csg = request.csg;
  response.isid = request.isid;
  response.tsih = request.tsih;
  response.stat_sn = stat_sn_++;
  response.exp_cmd_sn = result_.exp_cmd_sn;
  response.max_cmd_sn = result_.exp_cmd_sn + command_window_ - 1;
  response.status_class = status.status_class;
  response.status_detail = status.status_detail;
  iscsi::Bhs bhs;
  bhs.initiator_task_tag = itt_;
  bhs.fields = response;
  // RFC 7143 §11.13.5: after a failed login the target closes the connection.
  return LoginStep{iscsi::write_pdu(bhs, {}, {}), LoginStep::Next::kClose};
}

}  // namespace xg::gateway
