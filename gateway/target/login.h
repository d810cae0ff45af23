// The target side of one connection's login phase (RFC 7143 §6.3 "Login Phase", §11.12,
// §11.13): Login Requests in, Login Responses out, until the connection enters Full
// Feature Phase or the login fails. Pure: no sockets and no clocks, so every exchange is
// a unit test with hex vectors (tests/gateway/login_test.cc).
//
// What it enforces, beyond the key negotiation itself (gateway/iscsi/negotiation.h):
//   - Version-min above 00h or Version-max below it: 02h/05h Unsupported Version.
//   - ISID, TSIH, CID and CSG must not change within one login: 02h/00h.
//   - Stage order: CSG Security -> Operational -> Full Feature, never back; NSG must be
//     greater than CSG when T=1 (RFC 7143 §6.3, §11.12.3): 02h/00h.
//   - The security stage may be left only once authentication completed; the operational
//     stage only once the initiator answered every key the target offered.
//   - C=1 requests are assembled (bounded) and answered with an empty response (§11.12.2).
//   - Session admission (new session, reinstatement of an old one with the same ISID,
//     adding a connection) is the caller's: see SessionAdmission.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "gateway/iscsi/bhs.h"
#include "gateway/iscsi/negotiation.h"
#include "gateway/iscsi/pdu_reader.h"
#include "gateway/iscsi/text_keys.h"

namespace xg::gateway {

// Decides whether a login may create its session. Called once, when the initiator asks to
// enter Full Feature Phase. Returns the TSIH of the session (new or existing), or the
// status that fails the login (02h/0Ah session does not exist, 02h/06h too many
// connections, 03h/02h out of resources).
struct SessionAdmissionRequest {
  iscsi::SessionParams session;
  std::array<std::uint8_t, 6> isid{};
  std::uint16_t tsih = 0;  // 0: a new session (or the reinstatement of one with this ISID)
  std::uint16_t cid = 0;
};
using SessionAdmission =
    std::function<iscsi::LoginResult<std::uint16_t>(const SessionAdmissionRequest&)>;

struct LoginStep {
  std::vector<std::uint8_t> response;  // one encoded Login Response PDU (no digests yet)
  enum class Next : std::uint8_t { kContinue, kFullFeature, kClose } next = Next::kContinue;
};

// The connection's parameters once the login succeeded.
struct LoginResult {
  iscsi::SessionParams session;
  iscsi::ConnectionParams connection;
  std::array<std::uint8_t, 6> isid{};
  std::uint16_t tsih = 0;
  std::uint16_t cid = 0;
  std::uint32_t exp_cmd_sn = 0;   // the CmdSN the first Full Feature command carries
  std::uint32_t next_stat_sn = 0;  // StatSN of the first Full Feature response
};

class LoginExchange {
 public:
  LoginExchange(iscsi::TargetSettings settings, SessionAdmission admission,
                std::uint32_t command_window);

  // One PDU received before Full Feature Phase. A PDU other than a Login Request fails
  // the login (RFC 7143 §6.3: only Login Requests are allowed), as does any error.
  LoginStep on_pdu(const iscsi::Pdu& pdu);

  // Valid after on_pdu returned kFullFeature.
  const LoginResult& result() const { return result_; }
  // The negotiator, which goes on to answer Text Requests in Full Feature Phase (it knows
  // the session type: SendTargets=All is for Discovery sessions only, RFC 7143 §13.3).
  iscsi::Negotiator& negotiator() { return negotiator_; }

 private:
  LoginStep on_login(const iscsi::Pdu& pdu, const iscsi::LoginRequest& request);
  LoginStep fail(const iscsi::LoginRequest& request, iscsi::LoginStatus status);
  std::optional<iscsi::LoginStatus> check_consistency(const iscsi::LoginRequest& request);
  LoginStep respond(const iscsi::LoginRequest& request, bool transit, iscsi::LoginStage nsg,
                    const iscsi::TextKeyList& keys, std::uint32_t itt);

  iscsi::Negotiator negotiator_;
  SessionAdmission admission_;
  std::uint32_t command_window_;
  iscsi::TextAssembler assembler_;
  bool first_ = true;
  iscsi::LoginStage current_stage_ = iscsi::LoginStage::kSecurityNegotiation;
  LoginResult result_;
  std::uint32_t stat_sn_ = 0;
  std::uint32_t itt_ = 0;  // of the request being answered
};

}  // namespace xg::gateway
