// The table of structures `xgate decode` understands. Each entry turns bytes into an
// ordered JSON tree (field names as the standards spell them) or the Sense the target
// would answer with. One tree serves both the JSON and the text output.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "scsi/sense.h"

namespace xg::cli {

using Json = nlohmann::ordered_json;
using Decoder = std::function<scsi::Result<Json>(std::span<const std::uint8_t>)>;

// Who receives the bytes. kReceivedByXgate: a parameter list or sense an initiator or CSCD
// sends to xgate, so a refusal is the CHECK CONDITION xgate would answer with. kSentByTarget:
// response data a target (xgate or another) returns, so a refusal is the decoder's finding,
// expressed as the sense a client-side decoder reports.
enum class Direction { kReceivedByXgate, kSentByTarget };

struct DecoderEntry {
  std::string_view kind;     // the name on the command line
  std::string_view summary;  // one line for --help
  Decoder decode;
  Direction direction = Direction::kReceivedByXgate;
};

const std::vector<DecoderEntry>& decoders();

// "0x1A" style for codes, so JSON stays readable next to the standards' tables.
std::string hex_code(std::uint64_t value, int digits = 2);

}  // namespace xg::cli
