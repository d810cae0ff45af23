// Table-driven RFC 7143 §13 negotiation. kKeyRules holds one row per key; the code below
// applies the row's result function. Reasons in LoginStatus name the clause broken.
#include "gateway/iscsi/negotiation.h"

#include <algorithm>
#include <array>
#include <numeric>
#include <utility>

namespace xg::iscsi {
namespace {

enum class Kind : std::uint8_t {
  kDeclarative,      // recorded, not answered (InitiatorName, MaxRecvDataSegmentLength, ...)
  kSessionType,      // declarative, decides Discovery vs Normal
  kSendTargets,      // Full Feature Phase, answered by the session layer
  kList,             // first offered value we support (§6.2.1)
  kMin,              // numerical, Minimum (§6.2.2)
  kMax,              // numerical, Maximum
  kAnd,              // boolean, AND
  kOr,               // boolean, OR
  kTargetOnly,       // only a target sends it (TargetAlias, TargetAddress, TPGT)
  kObsoleteMarker,   // IFMarker/OFMarker: answer No (§13.26)
  kObsoleteReject,   // IFMarkInt/OFMarkInt: answer Reject (§13.26)
};

// RFC 7143 §13 "Use": IO (initialize only: login), LO (leading connection only),
// ALL, FFPO (Full Feature Phase only).
enum class Use : std::uint8_t { kIo, kLo, kAll, kFfpo };

constexpr std::uint8_t kSec = 1;  // SecurityNegotiation stage
constexpr std::uint8_t kOp = 2;   // LoginOperationalNegotiation stage
constexpr std::uint8_t kFfp = 4;  // Text requests in Full Feature Phase
constexpr std::uint64_t kMaxLength24 = 16777215;  // 2^24 - 1

struct KeyRule {
  std::string_view name;
  Kind kind;
  Use use;
  std::uint8_t stages;  // where an initiator may send it
  bool discovery_irrelevant;
  std::uint64_t low = 0, high = 0, rfc_default = 0;
  std::uint32_t SessionParams::*number = nullptr;
  std::uint32_t TargetSettings::*our_number = nullptr;
  bool SessionParams::*flag = nullptr;
  bool TargetSettings::*our_flag = nullptr;
};

constexpr KeyRule numeric(std::string_view name, Kind kind, bool disc_irrelevant,
                          std::uint64_t low, std::uint64_t high, std::uint64_t def,
                          std::uint32_t SessionParams::*number,
                          std::uint32_t TargetSettings::*ours, std::uint8_t stages = kOp) {
  return {name, kind, Use::kLo, stages, disc_irrelevant, low, high, def, number, ours,
          nullptr, nullptr};
}
constexpr KeyRule boolean(std::string_view name, Kind kind, bool def, bool SessionParams::*flag,
                          bool TargetSettings::*ours) {
  return {name, kind, Use::kLo, kOp, true, 0, 1, def ? 1u : 0u, nullptr, nullptr, flag, ours};
}
constexpr KeyRule other(std::string_view name, Kind kind, Use use, std::uint8_t stages,
                        bool disc_irrelevant = false) {
  return {name, kind, use, stages, disc_irrelevant};
}

using S = SessionParams;
using T = TargetSettings;

// RFC 7143 §13, in clause order, then the obsolete keys of §13.26.
constexpr std::array kKeyRules = {
    other("HeaderDigest", Kind::kList, Use::kIo, kOp),                         // §13.1
    other("DataDigest", Kind::kList, Use::kIo, kOp),                           // §13.1
    numeric("MaxConnections", Kind::kMin, true, 1, 65535, 1, &S::max_connections,
            &T::max_connections),                                              // §13.2
    other("SendTargets", Kind::kSendTargets, Use::kFfpo, kFfp),                // §13.3
    other("TargetName", Kind::kDeclarative, Use::kIo, kSec | kOp),             // §13.4
    other("InitiatorName", Kind::kDeclarative, Use::kIo, kSec | kOp),          // §13.5
    other("TargetAlias", Kind::kTargetOnly, Use::kAll, kSec | kOp | kFfp),     // §13.6
    other("InitiatorAlias", Kind::kDeclarative, Use::kAll, kSec | kOp | kFfp), // §13.7
    other("TargetAddress", Kind::kTargetOnly, Use::kAll, kSec | kOp | kFfp),   // §13.8
    other("TargetPortalGroupTag", Kind::kTargetOnly, Use::kIo, kSec | kOp),    // §13.9
    boolean("InitialR2T", Kind::kOr, true, &S::initial_r2t, &T::initial_r2t),  // §13.10
    boolean("ImmediateData", Kind::kAnd, true, &S::immediate_data,
            &T::immediate_data),                                               // §13.11
    other("MaxRecvDataSegmentLength", Kind::kDeclarative, Use::kAll, kOp | kFfp),  // §13.12
    numeric("MaxBurstLength", Kind::kMin, true, 512, kMaxLength24, 262144,
            &S::max_burst_length, &T::max_burst_length),                       // §13.13
    numeric("FirstBurstLength", Kind::kMin, true, 512, kMaxLength24, 65536,
            &S::first_burst_length, &T::first_burst_length),                   // §13.14
    numeric("DefaultTime2Wait", Kind::kMax, false, 0, 3600, 2, &S::default_time2wait,
            &T::default_time2wait),                                            // §13.15
    numeric("DefaultTime2Retain", Kind::kMin, false, 0, 3600, 20, &S::default_time2retain,
            &T::default_time2retain),                                          // §13.16
    numeric("MaxOutstandingR2T", Kind::kMin, true, 1, 65535, 1, &S::max_outstanding_r2t,
            &T::max_outstanding_r2t),                                          // §13.17
    boolean("DataPDUInOrder", Kind::kOr, true, &S::data_pdu_in_order,
            &T::data_pdu_in_order),                                            // §13.18
    boolean("DataSequenceInOrder", Kind::kOr, true, &S::data_sequence_in_order,
            &T::data_sequence_in_order),                                       // §13.19
    numeric("ErrorRecoveryLevel", Kind::kMin, false, 0, 2, 0, &S::error_recovery_level,
            &T::error_recovery_level),                                         // §13.20
    other("SessionType", Kind::kSessionType, Use::kLo, kSec | kOp),            // §13.21
    other("AuthMethod", Kind::kList, Use::kIo, kSec),                          // §13.7 / §12
    other("TaskReporting", Kind::kList, Use::kLo, kOp, true),                  // §13.23
    numeric("iSCSIProtocolLevel", Kind::kMin, false, 0, 31, 1, &S::iscsi_protocol_level,
            &T::iscsi_protocol_level, kSec | kOp),                             // §13.24
    other("IFMarker", Kind::kObsoleteMarker, Use::kIo, kOp),                   // §13.26
    other("OFMarker", Kind::kObsoleteMarker, Use::kIo, kOp),
    other("IFMarkInt", Kind::kObsoleteReject, Use::kIo, kOp),
    other("OFMarkInt", Kind::kObsoleteReject, Use::kIo, kOp),
};

const KeyRule* find_rule(std::string_view name) {
  for (const KeyRule& rule : kKeyRules)
    if (rule.name == name) return &rule;
  return nullptr;
}

std::uint8_t stage_bit(Stage stage) {
  switch (stage) {
    case Stage::kSecurity: return kSec;
    case Stage::kOperational: return kOp;
    case Stage::kFullFeature: return kFfp;
  }
  return 0;
}

// Keys whose result other keys depend on are processed first: SessionType decides
// irrelevance, InitialR2T/ImmediateData decide whether FirstBurstLength matters (§13.14).
int priority(std::string_view name) {
  if (name == "SessionType") return 0;
  if (name == "InitialR2T" || name == "ImmediateData") return 1;
  if (name == "FirstBurstLength") return 3;
  return 2;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::uint64_t ours_for(const KeyRule& rule, const TargetSettings& settings) {
  if (rule.our_flag != nullptr) return (settings.*rule.our_flag) ? 1 : 0;
  // A misconfigured limit never makes a result leave the RFC range.
  return std::clamp<std::uint64_t>(settings.*rule.our_number, rule.low, rule.high);
}

// The result function of a negotiated key (§6.2.2).
std::uint64_t result_of(Kind kind, std::uint64_t offered, std::uint64_t ours) {
  switch (kind) {
    case Kind::kMin: return std::min(offered, ours);
    case Kind::kMax: return std::max(offered, ours);
    case Kind::kAnd: return offered & ours;
    case Kind::kOr: return offered | ours;
    default: return offered;
  }
}

bool is_numeric_kind(Kind kind) { return kind == Kind::kMin || kind == Kind::kMax; }
bool is_negotiated_kind(Kind kind) {
  return is_numeric_kind(kind) || kind == Kind::kAnd || kind == Kind::kOr;
}

// Value of a numeric or boolean offer, nullopt if outside the key's type or range.
std::optional<std::uint64_t> parse_value(const KeyRule& rule, std::string_view value) {
  if (rule.flag != nullptr) {
    const auto b = parse_boolean(value);
    if (!b) return std::nullopt;
    return *b ? 1 : 0;
  }
  const auto n = parse_numerical(value);
  if (!n || *n < rule.low || *n > rule.high) return std::nullopt;
  return n;
}

std::string value_text(const KeyRule& rule, std::uint64_t v) {
  return rule.flag != nullptr ? std::string(boolean_text(v != 0)) : std::to_string(v);
}

void store(const KeyRule& rule, SessionParams& session, std::uint64_t v) {
  if (rule.flag != nullptr) session.*rule.flag = v != 0;
  if (rule.number != nullptr) session.*rule.number = static_cast<std::uint32_t>(v);
}

std::vector<std::string_view> list_choices(std::string_view key, const TargetSettings& s) {
  if (key == "TaskReporting") return {"RFC3720"};  // no ResponseFence/FastAbort (§13.23)
  if (key == "AuthMethod") return {s.auth_methods.begin(), s.auth_methods.end()};
  if (s.crc32c_digests) return {"None", "CRC32C"};
  return {"None"};
}

}  // namespace

Negotiator::Negotiator(TargetSettings settings, bool leading_connection)
    : settings_(std::move(settings)), leading_(leading_connection) {}

bool Negotiator::authenticated() const {
  if (!auth_selected_) return contains(settings_.auth_methods, "None");
  return authenticator_ == nullptr || authenticator_->complete();
}

SessionParams Negotiator::session() const {
  SessionParams s = session_;
  // §13.14: FirstBurstLength MUST NOT exceed MaxBurstLength; either may have been
  // lowered independently (one by the initiator, the other by our limit).
  s.first_burst_length = std::min(s.first_burst_length, s.max_burst_length);
  return s;
}

LoginResult<TextKeyList> Negotiator::negotiate(const TextKeyList& offered, Stage stage) {
  for (std::size_t i = 0; i < offered.size(); ++i)
    for (std::size_t j = i + 1; j < offered.size(); ++j)
      if (offered[i].name == offered[j].name)
        return LoginStatus::initiator_error("key offered twice in one request (RFC 7143 6.2)");

  std::vector<std::size_t> order(offered.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return priority(offered[a].name) < priority(offered[b].name);
  });
  std::vector<TextKeyList> answers(offered.size());
  const bool first = first_request_ && stage != Stage::kFullFeature;
  if (stage == Stage::kFullFeature) send_targets_.reset();
  for (std::size_t index : order) XG_TRY(process(offered[index], stage, answers[index]));
  if (first) XG_TRY(check_first_request(offered));

  TextKeyList response;
  for (TextKeyList& a : answers)
    for (TextKey& k : a) response.push_back(std::move(k));
  add_target_declarations(stage, response);
  if (stage != Stage::kFullFeature) first_request_ = false;
  return response;
}

LoginResult<void> Negotiator::check_first_request(const TextKeyList& offered) const {
  const auto has = [&](std::string_view name) {
    return std::any_of(offered.begin(), offered.end(),
                       [&](const TextKey& k) { return k.name == name; });
  };
  if (!has("InitiatorName"))
    return LoginStatus::missing_parameter("InitiatorName missing in the first Login "
                                          "Request (RFC 7143 13.5)");
  if (session_.session_type == SessionType::kNormal && !has("TargetName"))
    return LoginStatus::missing_parameter("TargetName missing in the first Login Request "
                                          "of a Normal session (RFC 7143 13.4)");
  return base::Ok{};
}

void Negotiator::add_target_declarations(Stage stage, TextKeyList& out) {
  if (stage == Stage::kFullFeature) return;
  if (first_request_ && session_.session_type == SessionType::kNormal) {
    out.push_back({"TargetPortalGroupTag", std::to_string(settings_.target_portal_group_tag)});
    if (!settings_.target_alias.empty()) out.push_back({"TargetAlias", settings_.target_alias});
  }
  if (stage != Stage::kOperational || !first_operational_) return;
  first_operational_ = false;
  const KeyRule& mrdsl = *find_rule("MaxRecvDataSegmentLength");
  connection_.target_max_recv_data_segment_length = static_cast<std::uint32_t>(
      std::clamp<std::uint64_t>(settings_.max_recv_data_segment_length, 512, kMaxLength24));
  out.push_back({std::string(mrdsl.name),
                 std::to_string(connection_.target_max_recv_data_segment_length)});
  // Offers for LO keys the initiator left at a default the target cannot accept.
  if (!leading_) return;
  for (const KeyRule& rule : kKeyRules) {
    if (!is_negotiated_kind(rule.kind) || rule.use != Use::kLo || contains(seen_, rule.name))
      continue;
    if (rule.discovery_irrelevant && session_.session_type == SessionType::kDiscovery) continue;
    const std::uint64_t ours = ours_for(rule, settings_);
    if (result_of(rule.kind, rule.rfc_default, ours) == rule.rfc_default) continue;
    out.push_back({std::string(rule.name), value_text(rule, ours)});
    awaiting_.emplace_back(rule.name);
  }
}

LoginResult<void> Negotiator::answer_target_offer(const TextKey& key) {
  const KeyRule& rule = *find_rule(key.name);
  awaiting_.erase(std::find(awaiting_.begin(), awaiting_.end(), key.name));
  seen_.push_back(key.name);
  const std::uint64_t ours = ours_for(rule, settings_);
  const auto v = parse_value(rule, key.value);
  // The answer must be a value the result function could give (§6.2.2).
  if (!v || result_of(rule.kind, *v, ours) != *v)
    return LoginStatus::initiator_error("answer to the target's offer breaks the result "
                                        "function (RFC 7143 6.2.2)");
  store(rule, session_, *v);
  return base::Ok{};
}

LoginResult<void> Negotiator::negotiate_auth_method(const TextKey& key, TextKeyList& out) {
  const auto offered = parse_list(key.value);
  if (offered) {
    for (std::string_view method : *offered) {
      if (!contains(settings_.auth_methods, method)) continue;
      Authenticator* chosen = nullptr;
      if (method != "None") {
        for (Authenticator* a : settings_.authenticators)
          if (a != nullptr && a->method() == method) chosen = a;
        if (chosen == nullptr) continue;  // configured but not plugged in
      }
      authenticator_ = chosen;
      auth_selected_ = true;
      connection_.auth_method = std::string(method);
      out.push_back({key.name, std::string(method)});
      return base::Ok{};
    }
  }
  return LoginStatus::authentication_failure("no offered AuthMethod is acceptable (RFC 7143 12)");
}

LoginResult<void> Negotiator::process(const TextKey& key, Stage stage, TextKeyList& out) {
  const auto reply = [&](std::string_view value) {
    out.push_back({key.name, std::string(value)});
    return LoginResult<void>{};
  };
  const KeyRule* rule = find_rule(key.name);
  if (rule == nullptr) {
    if (stage == Stage::kSecurity && authenticator_ != nullptr && !is_extension_key(key.name))
      return authenticator_->on_key(key, out);
    return reply("NotUnderstood");
  }
  if (rule->kind == Kind::kTargetOnly)
    return LoginStatus::initiator_error("key only a target may send (RFC 7143 13)");
  if (stage != Stage::kFullFeature && contains(awaiting_, key.name))
    return answer_target_offer(key);
  if ((rule->stages & stage_bit(stage)) == 0) {
    if (stage == Stage::kFullFeature) return reply("Reject");
    return LoginStatus::initiator_error("key not allowed in this login stage (RFC 7143 6.3)");
  }
  if (stage != Stage::kFullFeature) {
    if (contains(seen_, key.name))
      return LoginStatus::initiator_error("key renegotiated during login (RFC 7143 6.2)");
    seen_.push_back(key.name);
  }
  // SessionType is LO too, but it is declarative and initiators (open-iscsi) repeat it on
  // every connection: it is not answered.
  if (rule->use == Use::kLo && !leading_ && rule->kind != Kind::kSessionType)
    return reply("Irrelevant");
  if (rule->discovery_irrelevant && session_.session_type == SessionType::kDiscovery)
    return reply("Irrelevant");
  if (rule->name == "FirstBurstLength" && session_.initial_r2t && !session_.immediate_data)
    return reply("Irrelevant");  // no unsolicited data at all (§13.14)

  switch (rule->kind) {
    case Kind::kDeclarative: return declare(key, out);
    case Kind::kSessionType:
      if (key.value == "Normal") session_.session_type = SessionType::kNormal;
      else if (key.value == "Discovery") session_.session_type = SessionType::kDiscovery;
      else return LoginStatus::session_type_not_supported("SessionType is neither Discovery "
                                                          "nor Normal (RFC 7143 13.21)");
      return base::Ok{};
    case Kind::kSendTargets:
      if (key.value == "All" ? session_.session_type != SessionType::kDiscovery
                             : !key.value.empty() && !is_iscsi_name(key.value))
        return reply("Reject");  // "All" only in Discovery sessions (§13.3)
      send_targets_ = key.value;
      return base::Ok{};
    case Kind::kList: return choose_from_list(key, out);
    case Kind::kObsoleteMarker:
      // §13.26 allows No instead of Reject; No is what RFC 3720 initiators (open-iscsi,
      // libiscsi send IFMarker=No) understand without special cases.
      return reply(parse_boolean(key.value) ? "No" : "Reject");
    case Kind::kObsoleteReject: return reply("Reject");
    default: break;
  }
  const auto v = parse_value(*rule, key.value);
  if (!v) return reply("Reject");
  const std::uint64_t result = result_of(rule->kind, *v, ours_for(*rule, settings_));
  store(*rule, session_, result);
  return reply(value_text(*rule, result));
}

LoginResult<void> Negotiator::declare(const TextKey& key, TextKeyList& out) {
  if (key.name == "InitiatorName") {
    if (!is_iscsi_name(key.value))
      return LoginStatus::initiator_error("InitiatorName is not an iSCSI name (RFC 7143 4.2.7)");
    session_.initiator_name = key.value;
  } else if (key.name == "TargetName") {
    if (!is_iscsi_name(key.value))
      return LoginStatus::not_found("TargetName is not an iSCSI name (RFC 7143 4.2.7)");
    if (!settings_.target_names.empty() && !contains(settings_.target_names, key.value))
      return LoginStatus::not_found("TargetName is not served by this portal");
    session_.target_name = key.value;
  } else if (key.name == "InitiatorAlias") {
    session_.initiator_alias = key.value;
  } else {  // MaxRecvDataSegmentLength, declared per direction (§13.12)
    const auto n = parse_numerical(key.value);
    if (!n || *n < 512 || *n > kMaxLength24) {
      out.push_back({key.name, "Reject"});
      return base::Ok{};
    }
    connection_.initiator_max_recv_data_segment_length = static_cast<std::uint32_t>(*n);
  }
  return base::Ok{};
}

LoginResult<void> Negotiator::choose_from_list(const TextKey& key, TextKeyList& out) {
  if (key.name == "AuthMethod") return negotiate_auth_method(key, out);
  const auto offered = parse_list(key.value);
  const auto choices = list_choices(key.name, settings_);
  if (offered) {
    for (std::string_view value : *offered) {
      if (std::find(choices.begin(), choices.end(), value) == choices.end()) continue;
      if (key.name == "TaskReporting") {
        session_.task_reporting = std::string(value);
      } else {
        const Digest digest = value == "CRC32C" ? Digest::kCrc32c : Digest::kNone;
        (key.name == "HeaderDigest" ? connection_.header_digest : connection_.data_digest) =
            digest;
      }
      out.push_back({key.name, std::string(value)});
      return base::Ok{};
    }
  }
  out.push_back({key.name, "Reject"});
  return base::Ok{};
}

TextKeyList send_targets_response(std::span<const SendTargetsEntry> targets,
                                  std::string_view request, const SessionParams& session) {
  TextKeyList out;
  for (const SendTargetsEntry& t : targets) {
    const bool wanted = request == "All" ? session.session_type == SessionType::kDiscovery
                        : request.empty() ? t.target_name == session.target_name
                                          : t.target_name == request;
    if (!wanted) continue;
    out.push_back({"TargetName", t.target_name});
    for (const std::string& address : t.target_addresses) out.push_back({"TargetAddress", address});
  }
  return out;
}

}  // namespace xg::iscsi
