// Fuzz target: any key lists through the negotiation engine, over several requests.
// Input: byte 0 picks target settings, byte 1 the connection kind; the rest is a text
// (RFC 7143 §6.1, repeats allowed so duplicates reach the engine) cut into requests at
// each key named "Next"; the first byte of its value picks the request's stage.
// Invariants: no crash/UB; every response re-encodes and parses back equal; results
// stay inside the RFC 7143 §13 ranges whatever was offered.
#include <cstddef>
#include <cstdint>
#include <span>

#include "gateway/iscsi/negotiation.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace xg::iscsi;

TargetSettings settings_from(std::uint8_t b) {
  TargetSettings s;
  s.crc32c_digests = (b & 1) != 0;
  s.immediate_data = (b & 2) != 0;
  s.initial_r2t = (b & 4) != 0;
  s.max_burst_length = (b & 8) != 0 ? 65536 : 1048576;
  s.first_burst_length = (b & 16) != 0 ? 0 : 262144;  // misconfigured on purpose
  s.default_time2wait = (b & 32) != 0 ? 5000 : 2;     // above the RFC range on purpose
  if ((b & 64) != 0) s.target_names = {"iqn.2024-01.dev.xgate:disk0"};
  if ((b & 128) != 0) s.target_alias = "xgate";
  return s;
}

void check_ranges(const Negotiator& n) {
  const SessionParams s = n.session();
  XG_FUZZ_CHECK(s.max_connections >= 1 && s.max_connections <= 65535);
  XG_FUZZ_CHECK(s.max_burst_length >= 512 && s.max_burst_length <= 16777215);
  XG_FUZZ_CHECK(s.first_burst_length >= 512 && s.first_burst_length <= s.max_burst_length);
  XG_FUZZ_CHECK(s.default_time2wait <= 3600 && s.default_time2retain <= 3600);
  XG_FUZZ_CHECK(s.max_outstanding_r2t >= 1 && s.max_outstanding_r2t <= 65535);
  XG_FUZZ_CHECK(s.error_recovery_level <= 2 && s.iscsi_protocol_level <= 31);
  XG_FUZZ_CHECK(s.task_reporting == "RFC3720");
  const ConnectionParams& c = n.connection();
  for (std::uint32_t mrdsl :
       {c.initiator_max_recv_data_segment_length, c.target_max_recv_data_segment_length})
    XG_FUZZ_CHECK(mrdsl >= 512 && mrdsl <= 16777215);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  auto parsed = parse_text(std::span(data + 2, size - 2), {.allow_repeated_keys = true});
  if (!parsed) return 0;
  Negotiator n(settings_from(data[0]), (data[1] & 1) != 0);
  std::vector<std::pair<Stage, TextKeyList>> requests(1);
  requests[0].first = static_cast<Stage>((data[1] >> 1) % 3);
  for (TextKey& key : *parsed) {
    if (key.name == "Next") {
      const std::uint8_t pick = key.value.empty() ? 0 : static_cast<std::uint8_t>(key.value[0]);
      requests.emplace_back(static_cast<Stage>(pick % 3), TextKeyList{});
      continue;
    }
    requests.back().second.push_back(std::move(key));
  }
  for (const auto& [stage, keys] : requests) {
    auto response = n.negotiate(keys, stage);
    check_ranges(n);
    if (!response) {
      XG_FUZZ_CHECK(response.error().status_class == 2 && !response.error().because.empty());
      break;
    }
    auto again = parse_text(encode_text(*response), {.allow_repeated_keys = true});
    XG_FUZZ_CHECK(again.has_value() && *again == *response);
    for (const TextKey& k : *response) XG_FUZZ_CHECK(k.value.size() <= 255);
  }
  (void)n.awaiting_answers();
  (void)n.authenticated();
  return 0;
}
