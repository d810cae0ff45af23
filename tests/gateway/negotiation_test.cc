// RFC 7143 §6.2/§6.3/§13 operational parameter negotiation, target side.
#include "gateway/iscsi/negotiation.h"

#include <functional>
#include <ostream>
#include <string>

#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::iscsi::ConnectionParams;
using xg::iscsi::Digest;
using xg::iscsi::LoginStatus;
using xg::iscsi::Negotiator;
using xg::iscsi::SessionParams;
using xg::iscsi::SessionType;
using xg::iscsi::Stage;
using xg::iscsi::TargetSettings;
using xg::iscsi::TextKey;
using xg::iscsi::TextKeyList;

namespace xg::iscsi {
// Readable Catch2 failure messages.
std::ostream& operator<<(std::ostream& os, const LoginStatus& s) {
  return os << "LoginStatus{" << int(s.status_class) << "/" << int(s.status_detail) << ": "
            << s.because << "}";
}
std::ostream& operator<<(std::ostream& os, const TextKey& k) {
  return os << k.name << "=" << k.value;
}
}  // namespace xg::iscsi

namespace {

constexpr std::string_view kInitiator = "iqn.1993-08.org.debian:01:5e4d3c2b1a00";
constexpr std::string_view kTarget = "iqn.2024-01.dev.xgate:disk0";

const TextKeyList kNormalSecurity = {{"InitiatorName", std::string(kInitiator)},
                                     {"TargetName", std::string(kTarget)},
                                     {"SessionType", "Normal"},
                                     {"AuthMethod", "None"}};
const TextKeyList kDiscoverySecurity = {{"InitiatorName", std::string(kInitiator)},
                                        {"SessionType", "Discovery"},
                                        {"AuthMethod", "None"}};

TextKeyList ok(xg::iscsi::LoginResult<TextKeyList> r) {
  if (!r) FAIL("login failed: " << std::string(r.error().because));
  return std::move(r).value();
}

LoginStatus failure(xg::iscsi::LoginResult<TextKeyList> r) {
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

// A negotiator past the security stage and the first (declaring) operational response,
// so that a table row sees only the answer to its own key.
Negotiator in_operational_stage(const TextKeyList& security = kNormalSecurity,
                                TargetSettings settings = {}) {
  Negotiator n(std::move(settings));
  (void)ok(n.negotiate(security, Stage::kSecurity));
  (void)ok(n.negotiate({}, Stage::kOperational));
  return n;
}

std::string show_keys(const TextKeyList& keys) {
  std::string s;
  for (const auto& k : keys) s += k.name + "=" + k.value + " ";
  return s;
}

struct Row {
  TextKey offer;
  std::optional<std::string> answer;  // nullopt: no answer (declarative)
  std::function<bool(const SessionParams&, const ConnectionParams&)> check;
};

}  // namespace

TEST_CASE("Negotiation 13: every key x representative offers gives the RFC answer and result "
          "(Normal session, default target settings)", "[gateway][iscsi][negotiation]") {
  using S = const SessionParams&;
  using C = const ConnectionParams&;
  const auto row = GENERATE(values<Row>({
      // §13.1 list: the first offered value we support.
      {{"HeaderDigest", "None"}, "None", [](S, C c) { return c.header_digest == Digest::kNone; }},
      {{"HeaderDigest", "CRC32C,None"}, "CRC32C",
       [](S, C c) { return c.header_digest == Digest::kCrc32c; }},
      {{"HeaderDigest", "None,CRC32C"}, "None",
       [](S, C c) { return c.header_digest == Digest::kNone; }},
      {{"HeaderDigest", "MD5,CRC32C"}, "CRC32C",
       [](S, C c) { return c.header_digest == Digest::kCrc32c; }},
      {{"HeaderDigest", "MD5"}, "Reject", [](S, C c) { return c.header_digest == Digest::kNone; }},
      {{"HeaderDigest", "None,"}, "Reject", [](S, C) { return true; }},
      {{"DataDigest", "CRC32C"}, "CRC32C",
       [](S, C c) { return c.data_digest == Digest::kCrc32c && c.header_digest == Digest::kNone; }},
      // §13.2 Minimum.
      {{"MaxConnections", "4"}, "1", [](S s, C) { return s.max_connections == 1; }},
      {{"MaxConnections", "0"}, "Reject", [](S s, C) { return s.max_connections == 1; }},
      {{"MaxConnections", "65536"}, "Reject", [](S s, C) { return s.max_connections == 1; }},
      // §13.7 alias: declarative.
      {{"InitiatorAlias", "client"}, std::nullopt,
       [](S s, C) { return s.initiator_alias == "client"; }},
      // §13.10 OR, §13.11 AND (target: InitialR2T=No, ImmediateData=Yes).
      {{"InitialR2T", "No"}, "No", [](S s, C) { return !s.initial_r2t; }},
      {{"InitialR2T", "Yes"}, "Yes", [](S s, C) { return s.initial_r2t; }},
      {{"InitialR2T", "maybe"}, "Reject", [](S s, C) { return s.initial_r2t; }},
      {{"ImmediateData", "Yes"}, "Yes", [](S s, C) { return s.immediate_data; }},
      {{"ImmediateData", "No"}, "No", [](S s, C) { return !s.immediate_data; }},
      // §13.12 declarative, per direction.
      {{"MaxRecvDataSegmentLength", "65536"}, std::nullopt,
       [](S, C c) { return c.initiator_max_recv_data_segment_length == 65536; }},
      {{"MaxRecvDataSegmentLength", "511"}, "Reject",
       [](S, C c) { return c.initiator_max_recv_data_segment_length == 8192; }},
      {{"MaxRecvDataSegmentLength", "16777216"}, "Reject",
       [](S, C c) { return c.initiator_max_recv_data_segment_length == 8192; }},
      // §13.13/§13.14 Minimum, clamped to the target's limits (1 MiB / 256 KiB).
      {{"MaxBurstLength", "16776192"}, "1048576",
       [](S s, C) { return s.max_burst_length == 1048576; }},
      {{"MaxBurstLength", "65536"}, "65536", [](S s, C) { return s.max_burst_length == 65536; }},
      {{"MaxBurstLength", "0x10000"}, "65536", [](S s, C) { return s.max_burst_length == 65536; }},
      {{"MaxBurstLength", "511"}, "Reject", [](S s, C) { return s.max_burst_length == 262144; }},
      {{"MaxBurstLength", "065536"}, "Reject", [](S s, C) { return s.max_burst_length == 262144; }},
      {{"FirstBurstLength", "1048576"}, "262144",
       [](S s, C) { return s.first_burst_length == 262144; }},
      // §13.15 Maximum, §13.16 Minimum.
      {{"DefaultTime2Wait", "0"}, "2", [](S s, C) { return s.default_time2wait == 2; }},
      {{"DefaultTime2Wait", "10"}, "10", [](S s, C) { return s.default_time2wait == 10; }},
      {{"DefaultTime2Wait", "3601"}, "Reject", [](S s, C) { return s.default_time2wait == 2; }},
      {{"DefaultTime2Retain", "0"}, "0", [](S s, C) { return s.default_time2retain == 0; }},
      {{"DefaultTime2Retain", "60"}, "20", [](S s, C) { return s.default_time2retain == 20; }},
      // §13.17 Minimum; §13.18/§13.19 OR.
      {{"MaxOutstandingR2T", "16"}, "1", [](S s, C) { return s.max_outstanding_r2t == 1; }},
      {{"DataPDUInOrder", "No"}, "Yes", [](S s, C) { return s.data_pdu_in_order; }},
      {{"DataSequenceInOrder", "No"}, "Yes", [](S s, C) { return s.data_sequence_in_order; }},
      // §13.20 Minimum, we implement ERL 0.
      {{"ErrorRecoveryLevel", "2"}, "0", [](S s, C) { return s.error_recovery_level == 0; }},
      {{"ErrorRecoveryLevel", "3"}, "Reject", [](S s, C) { return s.error_recovery_level == 0; }},
      // §13.23 list.
      {{"TaskReporting", "ResponseFence,RFC3720"}, "RFC3720",
       [](S s, C) { return s.task_reporting == "RFC3720"; }},
      {{"TaskReporting", "FastAbort"}, "Reject",
       [](S s, C) { return s.task_reporting == "RFC3720"; }},
      // §13.24 Minimum.
      {{"iSCSIProtocolLevel", "2"}, "1", [](S s, C) { return s.iscsi_protocol_level == 1; }},
      {{"iSCSIProtocolLevel", "0"}, "0", [](S s, C) { return s.iscsi_protocol_level == 0; }},
      {{"iSCSIProtocolLevel", "32"}, "Reject", [](S s, C) { return s.iscsi_protocol_level == 1; }},
      // §13.26 obsolete keys.
      {{"IFMarker", "No"}, "No", [](S, C) { return true; }},
      {{"OFMarker", "Yes"}, "No", [](S, C) { return true; }},
      {{"OFMarker", "Perhaps"}, "Reject", [](S, C) { return true; }},
      {{"IFMarkInt", "2048~8192"}, "Reject", [](S, C) { return true; }},
      {{"OFMarkInt", "1"}, "Reject", [](S, C) { return true; }},
      // §6.2 / §13.5: unknown and extension keys.
      {{"X-com.example.Feature", "1"}, "NotUnderstood", [](S, C) { return true; }},
      {{"X#Registered", "Yes"}, "NotUnderstood", [](S, C) { return true; }},
      {{"UnknownKey", "1"}, "NotUnderstood", [](S, C) { return true; }},
  }));
  CAPTURE(row.offer.name, row.offer.value);
  Negotiator n = in_operational_stage();
  const TextKeyList response = ok(n.negotiate({row.offer}, Stage::kOperational));
  if (row.answer) {
    CHECK(response == TextKeyList{{row.offer.name, *row.answer}});
  } else {
    CHECK(response.empty());
  }
  CHECK(row.check(n.session(), n.connection()));
}

TEST_CASE("Negotiation 13: in a Discovery session the session-data keys are Irrelevant, "
          "digests and ERL still negotiate", "[gateway][iscsi][negotiation][discovery]") {
  struct DRow {
    TextKey offer;
    std::string answer;
  };
  const auto row = GENERATE(values<DRow>({
      {{"MaxConnections", "1"}, "Irrelevant"},
      {{"InitialR2T", "No"}, "Irrelevant"},
      {{"ImmediateData", "Yes"}, "Irrelevant"},
      {{"MaxBurstLength", "262144"}, "Irrelevant"},
      {{"FirstBurstLength", "65536"}, "Irrelevant"},
      {{"MaxOutstandingR2T", "1"}, "Irrelevant"},
      {{"DataPDUInOrder", "Yes"}, "Irrelevant"},
      {{"DataSequenceInOrder", "Yes"}, "Irrelevant"},
      {{"TaskReporting", "RFC3720"}, "Irrelevant"},
      {{"ErrorRecoveryLevel", "0"}, "0"},
      {{"HeaderDigest", "None"}, "None"},
      {{"DefaultTime2Wait", "2"}, "2"},
  }));
  CAPTURE(row.offer.name);
  Negotiator n = in_operational_stage(kDiscoverySecurity);
  CHECK(ok(n.negotiate({row.offer}, Stage::kOperational)) ==
        TextKeyList{{row.offer.name, row.answer}});
  // Irrelevant keys leave the session at its defaults.
  CHECK(n.session().session_type == SessionType::kDiscovery);
  CHECK(n.session().max_burst_length == 262144);
  CHECK(n.session().initial_r2t);
  CHECK(n.session().max_connections == 1);
}

TEST_CASE("Negotiation 13.14: FirstBurstLength is Irrelevant when InitialR2T=Yes and "
          "ImmediateData=No, whatever the order in the request", "[gateway][iscsi][negotiation]") {
  Negotiator n = in_operational_stage();
  const TextKeyList response = ok(n.negotiate(
      {{"FirstBurstLength", "4096"}, {"InitialR2T", "Yes"}, {"ImmediateData", "No"}},
      Stage::kOperational));
  CHECK(response == TextKeyList{{"FirstBurstLength", "Irrelevant"},
                                {"InitialR2T", "Yes"},
                                {"ImmediateData", "No"}});
  CHECK(n.session().first_burst_length == 65536);
}

TEST_CASE("Negotiation 13.14: FirstBurstLength never exceeds MaxBurstLength in the result",
          "[gateway][iscsi][negotiation]") {
  Negotiator n = in_operational_stage();
  (void)ok(n.negotiate({{"MaxBurstLength", "8192"}, {"FirstBurstLength", "65536"}},
                       Stage::kOperational));
  CHECK(n.session().max_burst_length == 8192);
  CHECK(n.session().first_burst_length == 8192);
}

TEST_CASE("Negotiation 6.2/6.3/11.13.5: login-ending errors carry the exact Status-Class and "
          "Status-Detail", "[gateway][iscsi][negotiation][errors]") {
  struct ERow {
    std::string name;
    TextKeyList security;  // first request, security stage
    LoginStatus expected;
  };
  const auto row = GENERATE(values<ERow>({
      {"missing InitiatorName -> 02h/07h",
       {{"TargetName", std::string(kTarget)}, {"AuthMethod", "None"}},
       LoginStatus::missing_parameter({})},
      {"missing TargetName in a Normal session -> 02h/07h",
       {{"InitiatorName", std::string(kInitiator)}, {"AuthMethod", "None"}},
       LoginStatus::missing_parameter({})},
      {"SessionType neither Discovery nor Normal -> 02h/09h",
       {{"InitiatorName", std::string(kInitiator)}, {"SessionType", "Boot"}},
       LoginStatus::session_type_not_supported({})},
      {"no acceptable AuthMethod -> 02h/01h",
       {{"InitiatorName", std::string(kInitiator)}, {"TargetName", std::string(kTarget)},
        {"AuthMethod", "CHAP,SRP"}},
       LoginStatus::authentication_failure({})},
      {"operational key in the security stage -> 02h/00h",
       {{"InitiatorName", std::string(kInitiator)}, {"TargetName", std::string(kTarget)},
        {"HeaderDigest", "None"}},
       LoginStatus::initiator_error({})},
      {"target-only key from the initiator -> 02h/00h",
       {{"InitiatorName", std::string(kInitiator)}, {"TargetName", std::string(kTarget)},
        {"TargetPortalGroupTag", "1"}},
       LoginStatus::initiator_error({})},
      {"same key twice in one request -> 02h/00h",
       {{"InitiatorName", std::string(kInitiator)}, {"TargetName", std::string(kTarget)},
        {"AuthMethod", "None"}, {"AuthMethod", "None"}},
       LoginStatus::initiator_error({})},
      {"InitiatorName not an iSCSI name -> 02h/00h",
       {{"InitiatorName", "host"}, {"TargetName", std::string(kTarget)}},
       LoginStatus::initiator_error({})},
      {"TargetName not served -> 02h/03h",
       {{"InitiatorName", std::string(kInitiator)}, {"TargetName", "iqn.2024-01.dev.other:x"}},
       LoginStatus::not_found({})},
  }));
  CAPTURE(row.name);
  TargetSettings settings;
  settings.target_names = {std::string(kTarget)};
  Negotiator n(settings);
  const LoginStatus status = failure(n.negotiate(row.security, Stage::kSecurity));
  CHECK(status == row.expected);
  CHECK(int(status.status_class) == int(row.expected.status_class));
  CHECK(int(status.status_detail) == int(row.expected.status_detail));
  CHECK_FALSE(status.because.empty());
}

TEST_CASE("Negotiation 6.2: a key renegotiated in a later request of the same login -> 02h/00h",
          "[gateway][iscsi][negotiation][errors]") {
  Negotiator n = in_operational_stage();
  (void)ok(n.negotiate({{"MaxBurstLength", "65536"}}, Stage::kOperational));
  CHECK(failure(n.negotiate({{"MaxBurstLength", "65536"}}, Stage::kOperational)) ==
        LoginStatus::initiator_error({}));
}

TEST_CASE("Negotiation 6.3: AuthMethod in the operational stage -> 02h/00h",
          "[gateway][iscsi][negotiation][errors]") {
  Negotiator n = in_operational_stage();
  CHECK(failure(n.negotiate({{"AuthMethod", "None"}}, Stage::kOperational)) ==
        LoginStatus::initiator_error({}));
}

TEST_CASE("Negotiation 13.21: a Discovery session needs no TargetName", "[gateway][iscsi][negotiation]") {
  Negotiator n;
  CHECK(ok(n.negotiate(kDiscoverySecurity, Stage::kSecurity)) ==
        TextKeyList{{"AuthMethod", "None"}});
  CHECK(n.session().session_type == SessionType::kDiscovery);
  CHECK(n.authenticated());
}

TEST_CASE("Negotiation 12: AuthMethod list picks None after unsupported CHAP, "
          "the first response of a Normal session declares TargetPortalGroupTag and alias",
          "[gateway][iscsi][negotiation]") {
  TargetSettings settings;
  settings.target_alias = "xgate disk 0";
  settings.target_portal_group_tag = 7;
  Negotiator n(settings);
  TextKeyList security = kNormalSecurity;
  security[3].value = "CHAP,None";
  CHECK(ok(n.negotiate(security, Stage::kSecurity)) ==
        TextKeyList{{"AuthMethod", "None"},
                    {"TargetPortalGroupTag", "7"},
                    {"TargetAlias", "xgate disk 0"}});
  CHECK(n.connection().auth_method == "None");
  CHECK(n.session().target_name == kTarget);
}

namespace {
// A stand-in for CHAP through the Authenticator seam.
class FakeChap : public xg::iscsi::Authenticator {
 public:
  std::string_view method() const override { return "CHAP"; }
  xg::iscsi::LoginResult<void> on_key(const TextKey& key, TextKeyList& response) override {
    seen.push_back(key);
    if (key.name == "CHAP_A") response.push_back({"CHAP_A", "5"});
    if (key.name == "CHAP_R") done = true;
    return xg::base::Ok{};
  }
  bool complete() const override { return done; }
  TextKeyList seen;
  bool done = false;
};
}  // namespace

TEST_CASE("Negotiation 12: the Authenticator seam receives the security keys of the chosen "
          "method and gates authenticated()", "[gateway][iscsi][negotiation][auth]") {
  FakeChap chap;
  TargetSettings settings;
  settings.auth_methods = {"CHAP"};
  settings.authenticators = {&chap};
  Negotiator n(settings);
  TextKeyList security = kNormalSecurity;
  security[3].value = "CHAP,None";
  CHECK(ok(n.negotiate(security, Stage::kSecurity)) ==
        TextKeyList{{"AuthMethod", "CHAP"}, {"TargetPortalGroupTag", "1"}});
  CHECK_FALSE(n.authenticated());
  CHECK(ok(n.negotiate({{"CHAP_A", "5"}}, Stage::kSecurity)) == TextKeyList{{"CHAP_A", "5"}});
  CHECK(ok(n.negotiate({{"CHAP_N", "user"}, {"CHAP_R", "0x00"}}, Stage::kSecurity)).empty());
  CHECK(chap.seen.size() == 3);
  CHECK(n.authenticated());
  // AuthMethod=None is not acceptable to this target.
  Negotiator strict(settings);
  TextKeyList none_only = kNormalSecurity;
  CHECK(failure(strict.negotiate(none_only, Stage::kSecurity)) ==
        LoginStatus::authentication_failure({}));
  CHECK_FALSE(Negotiator(settings).authenticated());
}

TEST_CASE("Negotiation 13.12: the first operational response declares the target's "
          "MaxRecvDataSegmentLength", "[gateway][iscsi][negotiation]") {
  Negotiator n;
  (void)ok(n.negotiate(kNormalSecurity, Stage::kSecurity));
  CHECK(ok(n.negotiate({{"MaxRecvDataSegmentLength", "8192"}}, Stage::kOperational)) ==
        TextKeyList{{"MaxRecvDataSegmentLength", "262144"}});
  CHECK(n.connection().target_max_recv_data_segment_length == 262144);
  CHECK(n.connection().initiator_max_recv_data_segment_length == 8192);
  CHECK(ok(n.negotiate({{"HeaderDigest", "None"}}, Stage::kOperational)) ==
        TextKeyList{{"HeaderDigest", "None"}});  // declared once only
}

TEST_CASE("Negotiation 6.2.2: the target offers keys whose RFC default it cannot accept and "
          "requires an answer that obeys the result function", "[gateway][iscsi][negotiation]") {
  TargetSettings settings;
  settings.max_burst_length = 65536;
  settings.first_burst_length = 16384;
  settings.immediate_data = false;
  settings.default_time2wait = 5;
  Negotiator n(settings);
  (void)ok(n.negotiate(kNormalSecurity, Stage::kSecurity));
  CHECK(ok(n.negotiate({{"InitialR2T", "Yes"}}, Stage::kOperational)) ==
        TextKeyList{{"InitialR2T", "Yes"},
                    {"MaxRecvDataSegmentLength", "262144"},
                    {"ImmediateData", "No"},
                    {"MaxBurstLength", "65536"},
                    {"FirstBurstLength", "16384"},
                    {"DefaultTime2Wait", "5"}});
  CHECK(n.awaiting_answers());
  CHECK(ok(n.negotiate({{"ImmediateData", "No"}, {"MaxBurstLength", "32768"}},
                       Stage::kOperational))
            .empty());
  CHECK(n.awaiting_answers());
  SECTION("compliant answers complete the negotiation") {
    CHECK(ok(n.negotiate({{"FirstBurstLength", "16384"}, {"DefaultTime2Wait", "5"}},
                         Stage::kOperational))
              .empty());
    CHECK_FALSE(n.awaiting_answers());
    CHECK(n.session().max_burst_length == 32768);
    CHECK(n.session().first_burst_length == 16384);
    CHECK(n.session().default_time2wait == 5);
    CHECK_FALSE(n.session().immediate_data);
  }
  SECTION("an answer above a Minimum offer -> 02h/00h") {
    CHECK(failure(n.negotiate({{"FirstBurstLength", "65536"}}, Stage::kOperational)) ==
          LoginStatus::initiator_error({}));
  }
  SECTION("an answer below a Maximum offer -> 02h/00h") {
    CHECK(failure(n.negotiate({{"DefaultTime2Wait", "2"}}, Stage::kOperational)) ==
          LoginStatus::initiator_error({}));
  }
  SECTION("Reject to an offer -> 02h/00h") {
    CHECK(failure(n.negotiate({{"FirstBurstLength", "Reject"}}, Stage::kOperational)) ==
          LoginStatus::initiator_error({}));
  }
}

TEST_CASE("Negotiation 13 (LO keys): on a non-leading connection leading-only keys are "
          "Irrelevant, connection keys negotiate", "[gateway][iscsi][negotiation]") {
  Negotiator n(TargetSettings{}, /*leading_connection=*/false);
  (void)ok(n.negotiate(kNormalSecurity, Stage::kSecurity));
  CHECK(ok(n.negotiate({{"MaxBurstLength", "4096"}, {"HeaderDigest", "CRC32C"}},
                       Stage::kOperational)) ==
        TextKeyList{{"MaxBurstLength", "Irrelevant"},
                    {"HeaderDigest", "CRC32C"},
                    {"MaxRecvDataSegmentLength", "262144"}});
  CHECK(n.session().max_burst_length == 262144);
}

TEST_CASE("Negotiation: realistic open-iscsi (Linux iscsid defaults) Normal login",
          "[gateway][iscsi][negotiation][interop]") {
  Negotiator n;
  CHECK(ok(n.negotiate({{"InitiatorName", std::string(kInitiator)},
                        {"InitiatorAlias", "client"},
                        {"TargetName", std::string(kTarget)},
                        {"SessionType", "Normal"},
                        {"AuthMethod", "None"}},
                       Stage::kSecurity)) ==
        TextKeyList{{"AuthMethod", "None"}, {"TargetPortalGroupTag", "1"}});
  const TextKeyList offer = {{"HeaderDigest", "None"},          {"DataDigest", "None"},
                             {"DefaultTime2Wait", "2"},         {"DefaultTime2Retain", "0"},
                             {"IFMarker", "No"},                {"OFMarker", "No"},
                             {"ErrorRecoveryLevel", "0"},       {"InitialR2T", "No"},
                             {"ImmediateData", "Yes"},          {"MaxBurstLength", "16776192"},
                             {"FirstBurstLength", "262144"},    {"MaxOutstandingR2T", "1"},
                             {"MaxConnections", "1"},           {"DataPDUInOrder", "Yes"},
                             {"DataSequenceInOrder", "Yes"},
                             {"MaxRecvDataSegmentLength", "262144"}};
  const TextKeyList response = ok(n.negotiate(offer, Stage::kOperational));
  const TextKeyList expected = {{"HeaderDigest", "None"},       {"DataDigest", "None"},
                                {"DefaultTime2Wait", "2"},      {"DefaultTime2Retain", "0"},
                                {"IFMarker", "No"},             {"OFMarker", "No"},
                                {"ErrorRecoveryLevel", "0"},    {"InitialR2T", "No"},
                                {"ImmediateData", "Yes"},       {"MaxBurstLength", "1048576"},
                                {"FirstBurstLength", "262144"}, {"MaxOutstandingR2T", "1"},
                                {"MaxConnections", "1"},        {"DataPDUInOrder", "Yes"},
                                {"DataSequenceInOrder", "Yes"},
                                {"MaxRecvDataSegmentLength", "262144"}};
  CHECK(show_keys(response) == show_keys(expected));
  CHECK_FALSE(n.awaiting_answers());
  CHECK(n.authenticated());

  SessionParams s;
  s.initiator_name = std::string(kInitiator);
  s.initiator_alias = "client";
  s.target_name = std::string(kTarget);
  s.initial_r2t = false;
  s.max_burst_length = 1048576;
  s.first_burst_length = 262144;
  s.default_time2retain = 0;
  CHECK(n.session() == s);
  ConnectionParams c;
  c.initiator_max_recv_data_segment_length = 262144;
  c.target_max_recv_data_segment_length = 262144;
  CHECK(n.connection() == c);
}

TEST_CASE("Negotiation: realistic libiscsi login straight into the operational stage",
          "[gateway][iscsi][negotiation][interop]") {
  // libiscsi without CHAP starts with CSG=1 and sends everything in one PDU (lib/login.c).
  const TextKeyList offer = {
      {"InitiatorName", "iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test"},
      {"TargetName", std::string(kTarget)},
      {"SessionType", "Normal"},
      {"HeaderDigest", "None,CRC32C"},
      {"DataDigest", "None"},
      {"InitialR2T", "No"},
      {"ImmediateData", "Yes"},
      {"MaxBurstLength", "262144"},
      {"FirstBurstLength", "262144"},
      {"DefaultTime2Wait", "2"},
      {"DefaultTime2Retain", "0"},
      {"MaxOutstandingR2T", "1"},
      {"ErrorRecoveryLevel", "0"},
      {"IFMarker", "No"},
      {"OFMarker", "No"},
      {"MaxConnections", "1"},
      {"MaxRecvDataSegmentLength", "262144"},
      {"DataPDUInOrder", "Yes"},
      {"DataSequenceInOrder", "Yes"}};
  Negotiator n;
  const TextKeyList response = ok(n.negotiate(offer, Stage::kOperational));
  const TextKeyList expected = {
      {"HeaderDigest", "None"},     {"DataDigest", "None"},         {"InitialR2T", "No"},
      {"ImmediateData", "Yes"},     {"MaxBurstLength", "262144"},   {"FirstBurstLength", "262144"},
      {"DefaultTime2Wait", "2"},    {"DefaultTime2Retain", "0"},    {"MaxOutstandingR2T", "1"},
      {"ErrorRecoveryLevel", "0"},  {"IFMarker", "No"},             {"OFMarker", "No"},
      {"MaxConnections", "1"},      {"DataPDUInOrder", "Yes"},      {"DataSequenceInOrder", "Yes"},
      {"TargetPortalGroupTag", "1"}, {"MaxRecvDataSegmentLength", "262144"}};
  CHECK(show_keys(response) == show_keys(expected));
  CHECK(n.authenticated());  // never sent AuthMethod; None is acceptable
  const SessionParams s = n.session();
  CHECK(s.session_type == SessionType::kNormal);
  CHECK_FALSE(s.initial_r2t);
  CHECK(s.immediate_data);
  CHECK(s.max_burst_length == 262144);
  CHECK(s.first_burst_length == 262144);
  CHECK(s.default_time2retain == 0);
  CHECK(n.connection().initiator_max_recv_data_segment_length == 262144);
  CHECK(n.connection().header_digest == Digest::kNone);
}

TEST_CASE("Negotiation 13.3: Discovery session with SendTargets=All in Full Feature Phase",
          "[gateway][iscsi][negotiation][discovery]") {
  Negotiator n;
  (void)ok(n.negotiate(kDiscoverySecurity, Stage::kSecurity));
  CHECK(ok(n.negotiate({{"HeaderDigest", "None"}, {"MaxRecvDataSegmentLength", "32768"}},
                       Stage::kOperational)) ==
        TextKeyList{{"HeaderDigest", "None"}, {"MaxRecvDataSegmentLength", "262144"}});
  CHECK(ok(n.negotiate({{"SendTargets", "All"}}, Stage::kFullFeature)).empty());
  REQUIRE(n.send_targets().has_value());
  CHECK(*n.send_targets() == "All");

  const std::vector<xg::iscsi::SendTargetsEntry> targets = {
      {std::string(kTarget), {"192.0.2.10:3260,1", "[2001:db8::10]:3260,1"}},
      {"iqn.2024-01.dev.xgate:disk1", {"192.0.2.10:3260,1"}}};
  const TextKeyList answer = xg::iscsi::send_targets_response(targets, "All", n.session());
  CHECK(answer == TextKeyList{{"TargetName", std::string(kTarget)},
                              {"TargetAddress", "192.0.2.10:3260,1"},
                              {"TargetAddress", "[2001:db8::10]:3260,1"},
                              {"TargetName", "iqn.2024-01.dev.xgate:disk1"},
                              {"TargetAddress", "192.0.2.10:3260,1"}});
  // The answer repeats keys; it parses back only with repeats allowed.
  const auto bytes = xg::iscsi::encode_text(answer);
  CHECK_FALSE(xg::iscsi::parse_text(bytes).has_value());
  auto again = xg::iscsi::parse_text(bytes, {.allow_repeated_keys = true});
  REQUIRE(again.has_value());
  CHECK(*again == answer);
  // A second Text request may ask again (each FFP exchange is a fresh negotiation).
  CHECK(ok(n.negotiate({{"SendTargets", "iqn.2024-01.dev.xgate:disk1"}}, Stage::kFullFeature))
            .empty());
  CHECK(xg::iscsi::send_targets_response(targets, *n.send_targets(), n.session()).size() == 2);
}

TEST_CASE("Negotiation 13.3: in a Normal session SendTargets=All is Reject, the empty value "
          "means the session's target, LO keys in Full Feature Phase are Reject",
          "[gateway][iscsi][negotiation]") {
  Negotiator n = in_operational_stage();
  CHECK(ok(n.negotiate({{"SendTargets", "All"}}, Stage::kFullFeature)) ==
        TextKeyList{{"SendTargets", "Reject"}});
  CHECK_FALSE(n.send_targets().has_value());
  CHECK(ok(n.negotiate({{"SendTargets", ""}}, Stage::kFullFeature)).empty());
  const std::vector<xg::iscsi::SendTargetsEntry> targets = {
      {std::string(kTarget), {"192.0.2.10:3260,1"}}, {"iqn.2024-01.dev.xgate:disk1", {}}};
  CHECK(xg::iscsi::send_targets_response(targets, "", n.session()).size() == 2);
  CHECK(ok(n.negotiate({{"MaxBurstLength", "4096"}, {"MaxRecvDataSegmentLength", "16384"}},
                       Stage::kFullFeature)) == TextKeyList{{"MaxBurstLength", "Reject"}});
  CHECK(n.connection().initiator_max_recv_data_segment_length == 16384);
  Negotiator login = in_operational_stage();
  CHECK(failure(login.negotiate({{"SendTargets", "All"}}, Stage::kOperational)) ==
        LoginStatus::initiator_error({}));  // Full Feature Phase only
}

TEST_CASE("Negotiation 13: results default to the RFC 7143 section 13 values when nothing was "
          "negotiated", "[gateway][iscsi][negotiation]") {
  const Negotiator n;
  const SessionParams s = n.session();
  CHECK(s.max_connections == 1);
  CHECK(s.initial_r2t);
  CHECK(s.immediate_data);
  CHECK(s.max_burst_length == 262144);
  CHECK(s.first_burst_length == 65536);
  CHECK(s.default_time2wait == 2);
  CHECK(s.default_time2retain == 20);
  CHECK(s.max_outstanding_r2t == 1);
  CHECK(s.data_pdu_in_order);
  CHECK(s.data_sequence_in_order);
  CHECK(s.error_recovery_level == 0);
  CHECK(s.session_type == SessionType::kNormal);
  CHECK(n.connection().initiator_max_recv_data_segment_length == 8192);
  CHECK(n.connection().target_max_recv_data_segment_length == 8192);
  CHECK(n.connection().header_digest == Digest::kNone);
}
