// iSCSI header and data digests: CRC32C (Castagnoli, polynomial 1EDC6F41h), RFC 7143
// 13.1 "HeaderDigest and DataDigest" (12.1 in RFC 3720), computed with isa-l.
//
// Value and wire order. crc32c() returns the CRC as a number, reflected and final-XORed
// the usual way: crc32c("123456789") == E3069283h, and 32 zero bytes give 8A9136AAh. On
// the wire the 4 digest bytes go least significant byte first: the zero-byte example of
// RFC 3720 B.4 lists the digest as "aa 36 91 8a". put_digest()/read_digest() do that
// conversion and nothing else, so every caller agrees on it.
//
// What is covered (RFC 7143 11.2.3 / 11.1): the header digest covers the BHS and all AHS;
// the data digest covers the data segment including its padding, and is present only
// when DataSegmentLength is non-zero.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace xg::iscsi {

inline constexpr std::size_t kDigestLength = 4;

// Incremental CRC32C: feed pieces in order, then value().
class Crc32c {
 public:
  void update(std::span<const std::uint8_t> bytes);
  std::uint32_t value() const { return ~state_; }

 private:
  std::uint32_t state_ = 0xFFFFFFFF;  // isa-l's raw state: pre-inverted, not final-XORed
};

std::uint32_t crc32c(std::span<const std::uint8_t> bytes);

// The 4 wire bytes of a digest value, least significant first.
std::array<std::uint8_t, kDigestLength> digest_bytes(std::uint32_t crc);
// The digest value from its 4 wire bytes. Precondition: bytes.size() == 4.
std::uint32_t read_digest(std::span<const std::uint8_t, kDigestLength> bytes);

}  // namespace xg::iscsi
