#include "base/byte_writer.h"

#include "base/hex.h"
#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::base::ByteWriter;
using xg::test::hex;

TEST_CASE("ByteWriter: every width both ways, back-patching, padding", "[base][writer]") {
  ByteWriter w;
  w.u8(0x01);
  w.be16(0x0203);
  w.be24(0x040506);
  w.be32(0x0708090A);
  w.be48(0x0B0C0D0E0F10);
  w.be64(0x1112131415161718);
  w.le16(0x1234);
  w.le32(0x12345678);
  w.le64(0x0123456789ABCDEF);
  w.put_be16_at(1, 0xBEEF);
  w.put_le16_at(3, 0xCAFE);
  CHECK(w.data() == hex("01 BEEF FECA 06 0708090A 0B0C0D0E0F10 1112131415161718 3412 78563412"
                        " EFCDAB8967452301"));
  ByteWriter p;
  p.ascii_padded("XGATE", 8);
  p.u8(1);
  p.pad_to_multiple(4);
  CHECK(p.data() == hex("58 47 41 54 45 20 20 20 01 00 00 00"));
}

TEST_CASE("hex: annotated vectors parse, malformed ones are refused", "[base][hex]") {
  CHECK(xg::base::parse_hex("01 // LIST IDENTIFIER\n 0a:0B # comment\n") ==
        std::vector<std::uint8_t>{0x01, 0x0A, 0x0B});
  CHECK_FALSE(xg::base::parse_hex("0").has_value());
  CHECK_FALSE(xg::base::parse_hex("zz").has_value());
  CHECK(xg::base::to_hex(hex("00 ff 10")) == "00 FF 10");
  CHECK(xg::base::hex_dump(hex("00 01")) == "0000: 00 01\n");
}
