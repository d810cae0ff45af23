// Operational parameter negotiation for the target side (RFC 7143 §6.2 "Text Mode
// Negotiation", §6.3 "Login Phase", §13 "Login/Text Operational Text Keys").
//
// One Negotiator per connection login (and reused for Text requests in Full Feature
// Phase). It is fed the assembled key list of each Login/Text Request
// (gateway/iscsi/text_keys.h) and returns the keys of the matching response. It is
// table-driven: every §13 key is one row (name, use, stages, result function, range,
// default, where the result is stored); see kKeyRules in negotiation.cc.
//
// Semantics implemented:
//   - declarative keys (InitiatorName, TargetName, InitiatorAlias, SessionType,
//     MaxRecvDataSegmentLength) are recorded and not answered;
//   - list keys answer the first offered value the target supports, else Reject (§6.2.1);
//   - numerical keys answer min/max(offer, target limit); booleans AND/OR (§6.2.2);
//   - a value outside the key's type or range is answered Reject and changes nothing;
//   - unknown keys and X-/X# extension keys: NotUnderstood (§6.2, §13.5);
//   - keys irrelevant in the session (e.g. MaxBurstLength in a Discovery session,
//     FirstBurstLength when InitialR2T=Yes and ImmediateData=No): Irrelevant (§6.2.2);
//   - leading-only (LO) keys on a non-leading connection: Irrelevant (the session's
//     values stand; answering instead of failing the login is the lenient choice);
//   - a key in the wrong login stage (e.g. HeaderDigest in SecurityNegotiation, AuthMethod
//     in LoginOperationalNegotiation), a key only the target may send, or a key offered
//     a second time in one login: protocol error, LoginStatus 02h/00h (§6.2, §6.3);
//   - missing InitiatorName, or TargetName in a Normal session, in the first request:
//     02h/07h; TargetName not served: 02h/03h; unknown SessionType: 02h/09h;
//     no acceptable AuthMethod: 02h/01h (§11.13.5);
//   - the target's own keys: TargetPortalGroupTag (and TargetAlias when configured) in
//     the first response of a Normal session (§13.9, §13.6); its MaxRecvDataSegmentLength
//     in the first operational-stage response (§13.12); and offers for LO keys the
//     initiator did not send whose RFC default the target cannot accept (e.g.
//     MaxBurstLength above the target's limit). The initiator must answer those before
//     the login may leave the operational stage (awaiting_answers()).
//   - obsolete IFMarker/OFMarker are answered No, IFMarkInt/OFMarkInt Reject (§13.26).
//
// Authentication: AuthMethod=None is built in. Other methods plug in through the
// Authenticator seam below (CHAP, §12.1.3, comes later).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "gateway/iscsi/text_keys.h"

namespace xg::iscsi {

// Login Response Status-Class / Status-Detail (RFC 7143 §11.13.5). `because` is a
// human reason with static storage, for logs; equality ignores it.
struct LoginStatus {
  std::uint8_t status_class = 0;
  std::uint8_t status_detail = 0;
  std::string_view because;

  static constexpr LoginStatus success() { return {0x00, 0x00, {}}; }
  static constexpr LoginStatus initiator_error(std::string_view why) { return {0x02, 0x00, why}; }
  static constexpr LoginStatus authentication_failure(std::string_view why) {
    return {0x02, 0x01, why};
  }
  static constexpr LoginStatus not_found(std::string_view why) { return {0x02, 0x03, why}; }
  static constexpr LoginStatus missing_parameter(std::string_view why) {
    return {0x02, 0x07, why};
  }
  static constexpr LoginStatus session_type_not_supported(std::string_view why) {
    return {0x02, 0x09, why};
  }
  static constexpr LoginStatus target_error(std::string_view why) { return {0x03, 0x00, why}; }

  bool is_success() const { return status_class == 0; }
  bool operator==(const LoginStatus& o) const {
    return status_class == o.status_class && status_detail == o.status_detail;
  }
};

template <class T>
using LoginResult = base::Result<T, LoginStatus>;

enum class SessionType : std::uint8_t { kNormal, kDiscovery };
enum class Digest : std::uint8_t { kNone, kCrc32c };
// Login stage (CSG, RFC 7143 §11.12.3) or Full Feature Phase for Text requests.
enum class Stage : std::uint8_t { kSecurity, kOperational, kFullFeature };

// Session-wide results (RFC 7143 §13 defaults when never negotiated).
struct SessionParams {
  SessionType session_type = SessionType::kNormal;
  std::string initiator_name;
  std::string initiator_alias;
  std::string target_name;
  std::uint32_t max_connections = 1;              // §13.2
  bool initial_r2t = true;                        // §13.10
  bool immediate_data = true;                     // §13.11
  std::uint32_t max_burst_length = 262144;        // §13.13
  std::uint32_t first_burst_length = 65536;       // §13.14, never above max_burst_length
  std::uint32_t default_time2wait = 2;            // §13.15
  std::uint32_t default_time2retain = 20;         // §13.16
  std::uint32_t max_outstanding_r2t = 1;          // §13.17
  bool data_pdu_in_order = true;                  // §13.18
  bool data_sequence_in_order = true;             // §13.19
  std::uint32_t error_recovery_level = 0;         // §13.20
  std::string task_reporting = "RFC3720";         // §13.23
  std::uint32_t iscsi_protocol_level = 1;         // §13.24 (RFC 7144 §2.1)
  bool operator==(const SessionParams&) const = default;
};

// Connection-scoped results.
struct ConnectionParams {
  Digest header_digest = Digest::kNone;           // §13.1
  Digest data_digest = Digest::kNone;
  // §13.12, one per direction: what the initiator declared it can receive (limits the
  // PDUs the target sends) and what the target declared (limits what it receives).
  std::uint32_t initiator_max_recv_data_segment_length = 8192;
  std::uint32_t target_max_recv_data_segment_length = 8192;
  std::string auth_method = "None";               // §12, §13.7 AuthMethod
  bool operator==(const ConnectionParams&) const = default;
};

// Seam for RFC 7143 §12 authentication methods other than None (CHAP comes later).
// The Negotiator selects one by AuthMethod; afterwards every security-stage key it does
// not know itself (CHAP_A, CHAP_N, ...) goes to the selected method, in request order.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual std::string_view method() const = 0;  // the AuthMethod value, e.g. "CHAP"
  // Answers are appended to `response`; an error ends the login (normally 02h/01h).
  virtual LoginResult<void> on_key(const TextKey& key, TextKeyList& response) = 0;
  // True once the exchange finished successfully (the initiator may leave the stage).
  virtual bool complete() const = 0;
};

// The target's own values and limits (the "ours" side of every result function).
struct TargetSettings {
  std::uint32_t max_connections = 1;
  bool initial_r2t = false;                 // false: accept unsolicited Data-Out
  bool immediate_data = true;
  std::uint32_t max_burst_length = 1048576;
  std::uint32_t first_burst_length = 262144;
  std::uint32_t default_time2wait = 2;
  std::uint32_t default_time2retain = 20;
  std::uint32_t max_outstanding_r2t = 1;
  bool data_pdu_in_order = true;
  bool data_sequence_in_order = true;
  std::uint32_t error_recovery_level = 0;   // only ERL 0 is implemented
  std::uint32_t iscsi_protocol_level = 1;
  std::uint32_t max_recv_data_segment_length = 262144;
  bool crc32c_digests = true;               // HeaderDigest/DataDigest may be CRC32C
  std::vector<std::string> auth_methods = {"None"};  // acceptable, "None" is built in
  std::vector<Authenticator*> authenticators;        // non-owning, by method()
  std::vector<std::string> target_names;    // served targets; empty: accept any name
  std::string target_alias;                 // declared when non-empty
  std::uint16_t target_portal_group_tag = 1;
};

class Negotiator {
 public:
  explicit Negotiator(TargetSettings settings = {}, bool leading_connection = true);

  // One assembled Login/Text Request. Returns the keys of the response, or the status
  // that ends the login (for a Text request in Full Feature Phase the caller answers
  // with a Reject PDU instead).
  LoginResult<TextKeyList> negotiate(const TextKeyList& offered, Stage stage);

  // Keys the target offered that the initiator has not answered yet: the login must not
  // leave the operational stage (T bit) while this is true.
  bool awaiting_answers() const { return !awaiting_.empty(); }
  // True once AuthMethod None was chosen, or the chosen Authenticator completed.
  bool authenticated() const;
  // The value of the last SendTargets key (Full Feature Phase), for the session layer
  // to build its answer with send_targets_response().
  const std::optional<std::string>& send_targets() const { return send_targets_; }

  // Results so far; defaults for keys never negotiated.
  SessionParams session() const;
  const ConnectionParams& connection() const { return connection_; }

 private:
  LoginResult<void> process(const TextKey& key, Stage stage, TextKeyList& out);
  LoginResult<void> answer_target_offer(const TextKey& key);
  LoginResult<void> check_first_request(const TextKeyList& offered) const;
  void add_target_declarations(Stage stage, TextKeyList& out);
  LoginResult<void> negotiate_auth_method(const TextKey& key, TextKeyList& out);
  LoginResult<void> declare(const TextKey& key, TextKeyList& out);
  LoginResult<void> choose_from_list(const TextKey& key, TextKeyList& out);

  TargetSettings settings_;
  bool leading_;
  bool first_request_ = true;
  bool first_operational_ = true;
  SessionParams session_;
  ConnectionParams connection_;
  std::vector<std::string> seen_;      // keys offered by the initiator during login
  std::vector<std::string> awaiting_;  // keys the target offered, not answered yet
  Authenticator* authenticator_ = nullptr;
  bool auth_selected_ = false;
  std::optional<std::string> send_targets_;
};

// SendTargets answer (RFC 7143 §13.3, Appendix C): for each target the request covers,
// TargetName=<name> then one TargetAddress=<address>[:port],<tag> per portal.
// "All" covers every target (Discovery sessions only); "" the session's own target;
// an iSCSI name that target.
struct SendTargetsEntry {
  std::string target_name;
  std::vector<std::string> target_addresses;  // "192.0.2.1:3260,1" form
};
TextKeyList send_targets_response(std::span<const SendTargetsEntry> targets,
                                  std::string_view request, const SessionParams& session);

}  // namespace xg::iscsi
