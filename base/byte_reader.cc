#include "base/byte_reader.h"

namespace xg::base {

void ByteReader::latch_underflow() {
  if (!underflow_at_) underflow_at_ = offset();
  pos_ = bytes_.size();  // nothing after a failed read is trustworthy
}

std::span<const std::uint8_t> ByteReader::bytes(std::size_t n) {
  if (!claim(n)) return {};
  auto out = bytes_.subspan(pos_, n);
  pos_ += n;
  return out;
}

bool ByteReader::zeros(std::size_t n) {
  bool all_zero = true;
  for (std::uint8_t b : bytes(n)) all_zero = all_zero && b == 0;
  return all_zero && ok();
}

ByteReader ByteReader::rest() {
  ByteReader child(bytes_.subspan(pos_), offset());
  pos_ = bytes_.size();
  return child;
}

}  // namespace xg::base
