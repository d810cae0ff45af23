#include "base/byte_writer.h"

#include <cassert>

namespace xg::base {

void ByteWriter::put_uint(std::uint64_t v, std::size_t width, bool big_endian) {
  out_.resize(out_.size() + width);
  patch_uint(out_.size() - width, v, width, big_endian);
}

void ByteWriter::patch_uint(std::size_t at, std::uint64_t v, std::size_t width,
                            bool big_endian) {
  assert(at + width <= out_.size());
  for (std::size_t i = 0; i < width; ++i) {
    const std::size_t shift = 8 * (big_endian ? width - 1 - i : i);
    out_[at + i] = static_cast<std::uint8_t>(v >> shift);
  }
}

void ByteWriter::ascii_padded(std::string_view text, std::size_t width) {
  for (std::size_t i = 0; i < width; ++i) {
    out_.push_back(i < text.size() ? static_cast<std::uint8_t>(text[i]) : std::uint8_t{' '});
  }
}

void ByteWriter::pad_to_multiple(std::size_t alignment) {
  while (alignment != 0 && out_.size() % alignment != 0) out_.push_back(0);
}

void ByteWriter::put_u8_at(std::size_t at, std::uint8_t v) { patch_uint(at, v, 1, true); }
void ByteWriter::put_be16_at(std::size_t at, std::uint16_t v) { patch_uint(at, v, 2, true); }
void ByteWriter::put_be32_at(std::size_t at, std::uint32_t v) { patch_uint(at, v, 4, true); }
void ByteWriter::put_le16_at(std::size_t at, std::uint16_t v) { patch_uint(at, v, 2, false); }
void ByteWriter::put_le32_at(std::size_t at, std::uint32_t v) { patch_uint(at, v, 4, false); }

}  // namespace xg::base
