// The target's login exchange (RFC 7143 §6.3, §11.12, §11.13) and command window (§4.2.2.1).
#include "gateway/target/login.h"

#include <string>

#include "gateway/iscsi/pdu_reader.h"
#include "gateway/iscsi/pdu_writer.h"
#include "gateway/target/command_window.h"
#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::gateway::CommandWindow;
using xg::gateway::LoginExchange;
using xg::gateway::LoginStep;
using xg::gateway::SessionAdmissionRequest;
using xg::test::hex;

namespace {

constexpr const char* kTarget = "iqn.2026-12.org.xgate:default";

// Parses a PDU the way the connection does.
xg::iscsi::Pdu read_pdu(std::span<const std::uint8_t> bytes,
                        xg::iscsi::Role role = xg::iscsi::Role::kTarget) {
  xg::iscsi::PduReader reader(role, {262144, 262144});
  auto fed = reader.feed(bytes);
  REQUIRE(fed.outcome.has_value());
  REQUIRE(fed.outcome->has_value());
  CHECK(fed.consumed == bytes.size());
  return **fed.outcome;
}

xg::iscsi::LoginResponse response_of(const LoginStep& step) {
  auto pdu = read_pdu(step.response, xg::iscsi::Role::kInitiator);
  REQUIRE(std::holds_alternative<xg::iscsi::LoginResponse>(pdu.bhs.fields));
  return std::get<xg::iscsi::LoginResponse>(pdu.bhs.fields);
}

xg::iscsi::TextKeyList keys_of(const LoginStep& step) {
  auto pdu = read_pdu(step.response, xg::iscsi::Role::kInitiator);
  auto keys = xg::iscsi::parse_text(pdu.data);
  REQUIRE(keys.has_value());
  return *keys;
}

std::string value_of(const xg::iscsi::TextKeyList& keys, std::string_view name) {
  for (const auto& key : keys) {
    if (key.name == name) return key.value;
  }
  return "<absent>";
}

struct Harness {
  std::vector<SessionAdmissionRequest> admitted;
  LoginExchange exchange{settings(), [this](const SessionAdmissionRequest& r)
                                         -> xg::iscsi::LoginResult<std::uint16_t> {
                           admitted.push_back(r);
                           return std::uint16_t{0x0101};
                         },
                         64};
  static xg::iscsi::TargetSettings settings() {
    xg::iscsi::TargetSettings s;
    s.target_names = {kTarget};
    return s;
  }
};

xg::iscsi::Pdu login_request(xg::iscsi::LoginStage csg, bool transit, xg::iscsi::LoginStage nsg,
                             const xg::iscsi::TextKeyList& keys, std::uint32_t cmd_sn = 7) {
  xg::iscsi::LoginRequest request;
  request.transit = transit;
  request.csg = csg;
  request.nsg = nsg;
  request.isid = {0x80, 0x12, 0x34, 0x56, 0x00, 0x01};
  request.cid = 0;
  request.cmd_sn = cmd_sn;
  request.exp_stat_sn = 100;
  xg::iscsi::Bhs bhs;
  bhs.initiator_task_tag = 0x11;
  bhs.fields = request;
  return read_pdu(xg::iscsi::write_pdu(bhs, {}, xg::iscsi::encode_text(keys)));
}

const xg::iscsi::TextKeyList kSecurityKeys = {{"InitiatorName", "iqn.1993-08.org.debian:01:a"},
                                              {"TargetName", kTarget},
                                              {"SessionType", "Normal"},
                                              {"AuthMethod", "None"}};

using Stage = xg::iscsi::LoginStage;

}  // namespace

TEST_CASE("Login: an open-iscsi style login, byte for byte (RFC 7143 11.12)", "[gateway][login]") {
  // The first Login Request as open-iscsi sends it: security stage, T=1 to operational.
  const auto wire = hex(
      "43"            // I=1, opcode 03h Login Request
      "87"            // 1000 0111: T=1, C=0, CSG=01b (operational), NSG=11b (full feature)
      "00 00"         // Version-max 00h, Version-min 00h
      "00"            // TotalAHSLength
      "000000"        // DataSegmentLength (filled below)
      "80 12 34 56 00 01"  // ISID: type 10b (random), A/B/C/D
      "00 00"         // TSIH 0: a new session
      "00000011"      // ITT
      "0000 0000"     // CID 0, reserved
      "00000007"      // CmdSN 7
      "00000064"      // ExpStatSN 100
      "00000000 00000000 00000000 00000000");  // reserved
  REQUIRE(wire.size() == 48);
  auto bhs = xg::iscsi::decode_bhs(wire);
  REQUIRE(bhs.has_value());
  const auto& request = std::get<xg::iscsi::LoginRequest>(bhs->fields);
  CHECK(request.transit);
  CHECK(request.csg == Stage::kLoginOperationalNegotiation);
  CHECK(request.nsg == Stage::kFullFeaturePhase);
  CHECK(request.cmd_sn == 7);

  // Starting in the operational stage (no security stage) is allowed when the target
  // accepts AuthMethod=None (RFC 7143 §6.3).
  Harness h;
  xg::iscsi::TextKeyList keys = {{"InitiatorName", "iqn.1993-08.org.debian:01:a"},
                                 {"TargetName", kTarget},
                                 {"SessionType", "Normal"},
                                 {"HeaderDigest", "None"},
                                 {"DataDigest", "None"},
                                 {"MaxRecvDataSegmentLength", "262144"},
                                 {"InitialR2T", "No"},
                                 {"ImmediateData", "Yes"},
                                 {"MaxBurstLength", "16776192"},
                                 {"FirstBurstLength", "262144"},
                                 {"MaxConnections", "1"},
                                 {"DefaultTime2Wait", "0"},
                                 {"DefaultTime2Retain", "0"},
                                 {"MaxOutstandingR2T", "1"},
                                 {"ErrorRecoveryLevel", "0"},
                                 {"DataPDUInOrder", "Yes"},
                                 {"DataSequenceInOrder", "Yes"}};
  auto pdu = read_pdu(xg::iscsi::write_pdu(*bhs, {}, xg::iscsi::encode_text(keys)));
  LoginStep step = h.exchange.on_pdu(pdu);
  REQUIRE(step.next == LoginStep::Next::kFullFeature);
  const auto response = response_of(step);
  CHECK(response.transit);
  CHECK(response.csg == Stage::kLoginOperationalNegotiation);
  CHECK(response.nsg == Stage::kFullFeaturePhase);
  CHECK(response.status_class == 0);
  CHECK(response.tsih == 0x0101);
  CHECK(response.isid == request.isid);
  CHECK(response.stat_sn == 100);   // the initiator's ExpStatSN is echoed as first StatSN
  CHECK(response.exp_cmd_sn == 7);  // login does not advance CmdSN
  CHECK(response.max_cmd_sn == 7 + 63);
  const auto answer = keys_of(step);
  CHECK(value_of(answer, "InitialR2T") == "No");
  CHECK(value_of(answer, "MaxBurstLength") == "1048576");  // min(offer, ours)
  CHECK(value_of(answer, "TargetPortalGroupTag") == "1");
  REQUIRE(h.admitted.size() == 1);
  CHECK(h.admitted[0].session.target_name == kTarget);
  CHECK(h.exchange.result().exp_cmd_sn == 7);
  CHECK(h.exchange.result().next_stat_sn == 101);
  CHECK(h.exchange.result().session.max_burst_length == 1048576);
}

TEST_CASE("Login: security then operational stage, T held back until answers are in",
          "[gateway][login]") {
  Harness h;
  LoginStep step = h.exchange.on_pdu(
      login_request(Stage::kSecurityNegotiation, true, Stage::kLoginOperationalNegotiation,
                    kSecurityKeys));
  REQUIRE(step.next == LoginStep::Next::kContinue);
  auto response = response_of(step);
  CHECK(response.transit);
  CHECK(response.csg == Stage::kSecurityNegotiation);
  CHECK(response.nsg == Stage::kLoginOperationalNegotiation);
  CHECK(value_of(keys_of(step), "AuthMethod") == "None");
  CHECK(h.admitted.empty());

  step = h.exchange.on_pdu(login_request(Stage::kLoginOperationalNegotiation, true,
                                         Stage::kFullFeaturePhase, {{"HeaderDigest", "None"}}));
  // The target offered keys (its MaxRecvDataSegmentLength is declarative; MaxBurstLength
  // default 262144 is fine) - the login completes once nothing is awaited.
  if (step.next == LoginStep::Next::kContinue) {
    CHECK_FALSE(response_of(step).transit);
    step = h.exchange.on_pdu(login_request(Stage::kLoginOperationalNegotiation, true,
                                           Stage::kFullFeaturePhase, {}));
  }
  REQUIRE(step.next == LoginStep::Next::kFullFeature);
  CHECK(response_of(step).nsg == Stage::kFullFeaturePhase);
  CHECK(h.admitted.size() == 1);
}

TEST_CASE("Login: errors fail the login with the RFC 7143 11.13.5 status and close",
          "[gateway][login]") {
  SECTION("unknown target -> 02h/03h") {
    Harness h;
    auto keys = kSecurityKeys;
    keys[1].value = "iqn.2026-12.org.xgate:nothing";
    auto step = h.exchange.on_pdu(login_request(Stage::kSecurityNegotiation, true,
                                                Stage::kLoginOperationalNegotiation, keys));
    CHECK(step.next == LoginStep::Next::kClose);
    CHECK(response_of(step).status_class == 0x02);
    CHECK(response_of(step).status_detail == 0x03);
  }
  SECTION("Version-min above 00h -> 02h/05h") {
    Harness h;
    auto pdu = login_request(Stage::kSecurityNegotiation, true,
                             Stage::kLoginOperationalNegotiation, kSecurityKeys);
    std::get<xg::iscsi::LoginRequest>(pdu.bhs.fields).version_min = 1;
    auto step = h.exchange.on_pdu(pdu);
    CHECK(step.next == LoginStep::Next::kClose);
    CHECK(response_of(step).status_detail == 0x05);
  }
  SECTION("NSG not after CSG -> 02h/00h") {
    Harness h;
    auto step = h.exchange.on_pdu(login_request(Stage::kLoginOperationalNegotiation, true,
                                                Stage::kSecurityNegotiation, kSecurityKeys));
    CHECK(step.next == LoginStep::Next::kClose);
    CHECK(response_of(step).status_class == 0x02);
    CHECK(response_of(step).status_detail == 0x00);
  }
  SECTION("ISID changed within the login -> 02h/00h") {
    Harness h;
    h.exchange.on_pdu(login_request(Stage::kSecurityNegotiation, false,
                                    Stage::kSecurityNegotiation, kSecurityKeys));
    auto pdu = login_request(Stage::kSecurityNegotiation, true,
                             Stage::kLoginOperationalNegotiation, {});
    std::get<xg::iscsi::LoginRequest>(pdu.bhs.fields).isid[5] = 0x02;
    auto step = h.exchange.on_pdu(pdu);
    CHECK(step.next == LoginStep::Next::kClose);
    CHECK(response_of(step).status_class == 0x02);
  }
  SECTION("a PDU other than a Login Request closes the connection without a response") {
    Harness h;
    xg::iscsi::Bhs bhs;
    bhs.fields = xg::iscsi::NopOut{};
    bhs.initiator_task_tag = 1;
    auto step = h.exchange.on_pdu(read_pdu(xg::iscsi::write_pdu(bhs, {}, {})));
    CHECK(step.next == LoginStep::Next::kClose);
    CHECK(step.response.empty());
  }
  SECTION("admission refused -> its status") {
    LoginExchange exchange(Harness::settings(),
                           [](const SessionAdmissionRequest&)
                               -> xg::iscsi::LoginResult<std::uint16_t> {
                             return xg::iscsi::LoginStatus{0x02, 0x0A, "no such session"};
                           },
                           64);
    auto step = exchange.on_pdu(login_request(Stage::kSecurityNegotiation, true,
                                              Stage::kLoginOperationalNegotiation,
                                              kSecurityKeys));
    REQUIRE(step.next == LoginStep::Next::kContinue);
    for (int i = 0; i < 3 && step.next == LoginStep::Next::kContinue; ++i) {
      step = exchange.on_pdu(login_request(Stage::kLoginOperationalNegotiation, true,
                                           Stage::kFullFeaturePhase, {}));
    }
    CHECK(step.next == LoginStep::Next::kClose);
    CHECK(response_of(step).status_detail == 0x0A);
  }
}

TEST_CASE("Login: C=1 requests are assembled and answered empty (RFC 7143 11.12.2)",
          "[gateway][login]") {
  Harness h;
  auto first = login_request(Stage::kSecurityNegotiation, false, Stage::kSecurityNegotiation,
                             {{"InitiatorName", "iqn.1993-08.org.debian:01:a"}});
  std::get<xg::iscsi::LoginRequest>(first.bhs.fields).continue_ = true;
  auto step = h.exchange.on_pdu(first);
  CHECK(step.next == LoginStep::Next::kContinue);
  CHECK(keys_of(step).empty());
  CHECK_FALSE(response_of(step).transit);
  step = h.exchange.on_pdu(login_request(Stage::kSecurityNegotiation, true,
                                         Stage::kLoginOperationalNegotiation,
                                         {{"TargetName", kTarget}, {"AuthMethod", "None"}}));
  CHECK(step.next == LoginStep::Next::kContinue);
  CHECK(response_of(step).transit);
  CHECK(response_of(step).status_class == 0);
}

TEST_CASE("CommandWindow: deliver in order, hold early, ignore outside (RFC 7143 4.2.2.1)",
          "[gateway][cmdsn]") {
  CommandWindow window(10, 4);  // ExpCmdSN 10, MaxCmdSN 13
  CHECK(window.max_cmd_sn() == 13);
  CHECK(window.classify(9, false) == CommandWindow::Verdict::kIgnore);   // too low
  CHECK(window.classify(14, false) == CommandWindow::Verdict::kIgnore);  // MaxCmdSN + 1
  CHECK(window.classify(12, false) == CommandWindow::Verdict::kEarly);
  CHECK(window.exp_cmd_sn() == 10);
  CHECK(window.classify(10, false) == CommandWindow::Verdict::kDeliver);
  CHECK(window.exp_cmd_sn() == 11);
  CHECK(window.max_cmd_sn() == 14);
  CHECK(window.classify(500, true) == CommandWindow::Verdict::kImmediate);
  CHECK(window.exp_cmd_sn() == 11);
  // Serial arithmetic across the 2^32 wrap (RFC 1982).
  CommandWindow wrap(0xFFFFFFFE, 4);
  CHECK(wrap.classify(0xFFFFFFFE, false) == CommandWindow::Verdict::kDeliver);
  CHECK(wrap.classify(0xFFFFFFFF, false) == CommandWindow::Verdict::kDeliver);
  CHECK(wrap.classify(0, false) == CommandWindow::Verdict::kDeliver);
  CHECK(wrap.classify(0xFFFFFFFF, false) == CommandWindow::Verdict::kIgnore);
  CHECK(wrap.max_cmd_sn() == 4);
}
