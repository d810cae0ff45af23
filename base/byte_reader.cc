#include "base/byte_reader.h"

namespace xg::base {

bool ByteReader::claim(std::size_t n) {
  if (has(n)) return true;
  if (!underflow_at_) underflow_at_ = offset();
  pos_ = bytes_.size();  // nothing after a failed read is trustworthy
  return false;
}

std::uint64_t ByteReader::read_uint(std::size_t width, bool big_endian) {
  if (!claim(width)) return 0;
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const std::uint64_t byte = bytes_[pos_ + i];
    if (big_endian) {
      value = (value << 8) | byte;
    } else {
      value |= byte << (8 * i);
    }
  }
  pos_ += width;
  return value;
}

std::uint8_t ByteReader::u8() { return static_cast<std::uint8_t>(read_uint(1, true)); }
std::uint16_t ByteReader::be16() { return static_cast<std::uint16_t>(read_uint(2, true)); }
std::uint32_t ByteReader::be24() { return static_cast<std::uint32_t>(read_uint(3, true)); }
std::uint32_t ByteReader::be32() { return static_cast<std::uint32_t>(read_uint(4, true)); }
std::uint64_t ByteReader::be48() { return read_uint(6, true); }
std::uint64_t ByteReader::be64() { return read_uint(8, true); }
std::uint16_t ByteReader::le16() { return static_cast<std::uint16_t>(read_uint(2, false)); }
std::uint32_t ByteReader::le32() { return static_cast<std::uint32_t>(read_uint(4, false)); }
std::uint64_t ByteReader::le64() { return read_uint(8, false); }

std::span<const std::uint8_t> ByteReader::bytes(std::size_t n) {
  if (!claim(n)) return {};
  auto out = bytes_.subspan(pos_, n);
  pos_ += n;
  return out;
}

void ByteReader::skip(std::size_t n) {
  if (claim(n)) pos_ += n;
}

bool ByteReader::zeros(std::size_t n) {
  bool all_zero = true;
  for (std::uint8_t b : bytes(n)) all_zero = all_zero && b == 0;
  return all_zero && ok();
}

std::uint8_t ByteReader::peek_u8(std::size_t relative) const {
  return relative < bytes_.size() ? bytes_[relative] : 0;
}

std::optional<ByteReader> ByteReader::take(std::size_t n) {
  if (!has(n)) return std::nullopt;
  ByteReader child(bytes_.subspan(pos_, n), offset());
  pos_ += n;
  return child;
}

ByteReader ByteReader::rest() {
  ByteReader child(bytes_.subspan(pos_), offset());
  pos_ = bytes_.size();
  return child;
}

}  // namespace xg::base
