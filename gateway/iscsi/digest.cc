#include "gateway/iscsi/digest.h"

#include <isa-l/crc.h>

#include <climits>

namespace xg::iscsi {

void Crc32c::update(std::span<const std::uint8_t> bytes) {
  // isa-l takes an int length and a non-const pointer (it never writes through it);
  // split huge spans so the length always fits.
  constexpr std::size_t kMaxPiece = INT_MAX;
  while (!bytes.empty()) {
    const std::size_t n = bytes.size() < kMaxPiece ? bytes.size() : kMaxPiece;
    state_ = crc32_iscsi(const_cast<unsigned char*>(bytes.data()), static_cast<int>(n), state_);
    bytes = bytes.subspan(n);
  }
}

std::uint32_t crc32c(std::span<const std::uint8_t> bytes) {
  Crc32c crc;
  crc.update(bytes);
  return crc.value();
}

std::array<std::uint8_t, kDigestLength> digest_bytes(std::uint32_t crc) {
  return {static_cast<std::uint8_t>(crc), static_cast<std::uint8_t>(crc >> 8),
          static_cast<std::uint8_t>(crc >> 16), static_cast<std::uint8_t>(crc >> 24)};
}

std::uint32_t read_digest(std::span<const std::uint8_t, kDigestLength> bytes) {
  return std::uint32_t{bytes[0]} | (std::uint32_t{bytes[1]} << 8) |
         (std::uint32_t{bytes[2]} << 16) | (std::uint32_t{bytes[3]} << 24);
}

}  // namespace xg::iscsi
