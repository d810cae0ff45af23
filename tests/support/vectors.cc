#include "tests/support/vectors.h"

#include "base/hex.h"
#include "tests/support/catch.h"

namespace xg::test {

Bytes hex(std::string_view annotated) {
  auto bytes = base::parse_hex(annotated);
  if (!bytes) FAIL("malformed hex vector in the test itself: " << annotated);
  return *bytes;
}

std::string show(const Bytes& bytes) { return base::to_hex(bytes); }

Bytes with_byte(Bytes bytes, std::size_t at, std::uint8_t value) {
  REQUIRE(at < bytes.size());
  bytes[at] = value;
  return bytes;
}

Bytes truncated(Bytes bytes, std::size_t size) {
  REQUIRE(size <= bytes.size());
  bytes.resize(size);
  return bytes;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::string fixed_sense_hex(const scsi::Sense& sense) {
  return base::to_hex(scsi::encode_fixed(sense));
}

}  // namespace xg::test
