// The 8-byte LUN field of iSCSI PDUs (RFC 7143 §11.2.1.6 refers to SAM-5 4.7) as the flat
// LUN number translate::ScsiTarget keys its table with.
#pragma once

#include <cstdint>
#include <optional>

namespace xg::gateway {

// SAM-5 4.7.7: single-level addressing. ADDRESS METHOD (byte 0 bits 7:6) 00b peripheral
// device addressing with BUS IDENTIFIER 0 (LUN in byte 1), or 01b flat space addressing
// (14 bits); bytes 2-7 zero. Anything else names no logical unit of this target.
constexpr std::optional<std::uint64_t> decode_lun(std::uint64_t field) {
  if ((field & 0x0000'FFFF'FFFF'FFFFULL) != 0) return std::nullopt;  // second level used
  const auto byte0 = static_cast<std::uint8_t>(field >> 56);
  const auto byte1 = static_cast<std::uint8_t>(field >> 48);
  switch (byte0 >> 6) {
    case 0b00:
      if ((byte0 & 0x3F) != 0) return std::nullopt;  // a bus other than 0
      return byte1;
    case 0b01:
      return (std::uint64_t{byte0 & 0x3FU} << 8) | byte1;
    default:
      return std::nullopt;
  }
}

// What the transport passes for a LUN field that names no unit: no table holds it, so
// translate answers LOGICAL UNIT NOT SUPPORTED (SPC-4 6.6.2, SAM-5 5.8.2).
inline constexpr std::uint64_t kNoSuchLun = ~std::uint64_t{0};

}  // namespace xg::gateway
