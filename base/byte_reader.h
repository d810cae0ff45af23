// Bounds-checked reader over received bytes that knows where every field sits.
//
// Every read is checked. A read past the end returns 0 (or an empty span), consumes
// nothing more and latches the absolute offset of the first failed read ("sticky
// underflow"). Parsers check declared lengths first and then read inside bounded
// sub-readers (take()), so the latch is a backstop for a forgotten length check, not
// the primary validation: fuzz targets assert that it never trips.
//
// Offsets are absolute: a sub-reader over the third segment descriptor still reports
// positions relative to the start of the whole parameter list, which is what SCSI
// sense-key-specific field pointers need (SPC-4 4.5.2.4.2).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

namespace xg::base {

class ByteReader {
 public:
  // `base` is the absolute offset of bytes[0] within the enclosing message.
  explicit ByteReader(std::span<const std::uint8_t> bytes, std::size_t base = 0)
      : bytes_(bytes), base_(base) {}

  std::size_t offset() const { return base_ + pos_; }  // absolute offset of the next byte
  std::size_t start() const { return base_; }           // absolute offset of this reader's byte 0
  std::size_t size() const { return bytes_.size(); }
  std::size_t position() const { return pos_; }         // relative to this reader's byte 0
  std::size_t remaining() const { return bytes_.size() - pos_; }
  bool has(std::size_t n) const { return n <= remaining(); }
  bool empty() const { return remaining() == 0; }

  // Defined inline below: these run per field on every parameter list.
  std::uint8_t u8() { return static_cast<std::uint8_t>(read_uint(1, true)); }
  std::uint16_t be16() { return read_word<std::uint16_t>(true); }
  std::uint32_t be24() { return static_cast<std::uint32_t>(read_uint(3, true)); }
  std::uint32_t be32() { return read_word<std::uint32_t>(true); }
  std::uint64_t be48() { return read_uint(6, true); }
  std::uint64_t be64() { return read_word<std::uint64_t>(true); }
  std::uint16_t le16() { return read_word<std::uint16_t>(false); }
  std::uint32_t le32() { return read_word<std::uint32_t>(false); }
  std::uint64_t le64() { return read_word<std::uint64_t>(false); }

  // The next n bytes (empty span on underflow).
  std::span<const std::uint8_t> bytes(std::size_t n);
  void skip(std::size_t n) {  // inline with the reads: every reserved field is a skip
    if (claim(n)) pos_ += n;
  }
  // True if the next n bytes are all zero; consumes them either way.
  bool zeros(std::size_t n);

  // Reads that do not move: the byte at `relative` from this reader's start (0 if outside).
  // Inline: list walks peek at every descriptor's type and length.
  std::uint8_t peek_u8(std::size_t relative) const {
    return relative < bytes_.size() ? bytes_[relative] : 0;
  }

  // Child reader over the next n bytes that keeps absolute offsets. nullopt (and nothing
  // consumed) when fewer than n bytes remain.
  std::optional<ByteReader> take(std::size_t n) {
    if (!has(n)) return std::nullopt;
    ByteReader child(bytes_.subspan(pos_, n), offset());
    pos_ += n;
    return child;
  }
  // Child reader over everything left.
  ByteReader rest();

  bool ok() const { return !underflow_at_.has_value(); }
  std::optional<std::size_t> underflow_at() const { return underflow_at_; }

 private:
  // Big- or little-endian unsigned integer of `width` bytes; 0 and latch on underflow.
  std::uint64_t read_uint(std::size_t width, bool big_endian) {
    if (!claim(width)) return 0;
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) {
      const std::uint64_t byte = bytes_[pos_ + i];
      value = big_endian ? (value << 8) | byte : value | (byte << (8 * i));
    }
    pos_ += width;
    return value;
  }
  // The 2-, 4- and 8-byte fields as one load and at most a byte swap: compilers do not
  // turn read_uint's byte loop into that, and these run several times per descriptor.
  template <class Word>
  Word read_word(bool big_endian) {
    if (!claim(sizeof(Word))) return 0;
    Word value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(Word));
    pos_ += sizeof(Word);
    if (big_endian != (std::endian::native == std::endian::big)) value = byte_swap(value);
    return value;
  }
  static std::uint16_t byte_swap(std::uint16_t v) { return __builtin_bswap16(v); }
  static std::uint32_t byte_swap(std::uint32_t v) { return __builtin_bswap32(v); }
  static std::uint64_t byte_swap(std::uint64_t v) { return __builtin_bswap64(v); }
  bool claim(std::size_t n) {
    if (has(n)) return true;
    latch_underflow();
    return false;
  }
  void latch_underflow();

  std::span<const std::uint8_t> bytes_;
  std::size_t base_ = 0;
  std::size_t pos_ = 0;
  std::optional<std::size_t> underflow_at_;
};

}  // namespace xg::base
