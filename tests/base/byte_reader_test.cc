#include "base/byte_reader.h"

#include "base/bits.h"
#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::base::ByteReader;
using xg::test::hex;

TEST_CASE("ByteReader: big- and little-endian fields of every width", "[base][reader]") {
  const auto b = hex("01 0203 040506 0708090A 0B0C0D0E0F10 1112131415161718 3412 78563412"
                     " EFCDAB8967452301");
  ByteReader r(b);
  CHECK(r.u8() == 0x01);
  CHECK(r.be16() == 0x0203);
  CHECK(r.be24() == 0x040506);
  CHECK(r.be32() == 0x0708090Au);
  CHECK(r.be48() == 0x0B0C0D0E0F10u);
  CHECK(r.be64() == 0x1112131415161718u);
  CHECK(r.le16() == 0x1234);
  CHECK(r.le32() == 0x12345678u);
  CHECK(r.le64() == 0x0123456789ABCDEFu);
  CHECK(r.empty());
  CHECK(r.ok());
}

TEST_CASE("ByteReader: underflow returns 0, latches the first failing offset, stays empty",
          "[base][reader]") {
  const auto b = hex("AA BB CC");
  ByteReader r(b, 100);
  CHECK(r.u8() == 0xAA);
  CHECK(r.be32() == 0);  // only 2 bytes left
  CHECK_FALSE(r.ok());
  CHECK(r.underflow_at() == 101u);
  CHECK(r.u8() == 0);  // nothing after a failed read is trustworthy
  CHECK(r.underflow_at() == 101u);
  CHECK(r.bytes(1).empty());
}

TEST_CASE("ByteReader: take() gives a bounded child that keeps absolute offsets",
          "[base][reader]") {
  const auto b = hex("00 01 02 03 04 05 06 07");
  ByteReader r(b, 16);
  r.skip(2);
  auto child = r.take(4);
  REQUIRE(child.has_value());
  CHECK(child->start() == 18u);
  CHECK(child->offset() == 18u);
  CHECK(child->be16() == 0x0203);
  CHECK(child->offset() == 20u);
  CHECK(child->be32() == 0);  // the child cannot read past its 4 bytes
  CHECK(child->underflow_at() == 20u);
  CHECK(r.ok());  // the parent is unaffected
  CHECK(r.offset() == 22u);
  CHECK_FALSE(r.take(3).has_value());
  CHECK(r.offset() == 22u);  // a refused take consumes nothing
  CHECK(r.rest().size() == 2u);
}

TEST_CASE("ByteReader: zeros() reports whether a reserved run is all zero", "[base][reader]") {
  const auto b = hex("00 00 00 01 00");
  ByteReader r(b);
  CHECK(r.zeros(3));
  CHECK_FALSE(r.zeros(2));
  CHECK_FALSE(r.zeros(1));  // underflow is never "all zero"
}

TEST_CASE("bits: extraction reads like the spec tables", "[base][bits]") {
  using namespace xg::base;
  STATIC_REQUIRE(bits<4, 3>(0x18) == 3);
  STATIC_REQUIRE(bits<2, 0>(0xFD) == 5);
  STATIC_REQUIRE(bit(0x20, 5));
  STATIC_REQUIRE(!bit(0x20, 4));
  STATIC_REQUIRE(mask<7, 6>() == 0xC0);
  STATIC_REQUIRE(highest_bit(0x18) == 4);
}
