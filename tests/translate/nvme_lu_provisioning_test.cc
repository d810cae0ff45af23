// UNMAP (SBC-4 5.32), WRITE SAME(10)/(16) (SBC-4 5.48/5.49) and COMPARE AND WRITE (SBC-4
// 5.3) on the NVMe-backed LU: which NVMe commands they become, what the medium holds
// afterwards, and every refusal with its whole sense.
#include "nvme/spec.h"
#include "tests/translate/lu_test_support.h"

namespace xg::test {
namespace {

using scsi::FieldRef;
using scsi::Sense;

Bytes unmap_cdb(std::uint16_t length, std::uint8_t flags = 0) {
  return {0x42, flags, 0, 0, 0, 0, 0, std::uint8_t(length >> 8), std::uint8_t(length), 0};
}

// An UNMAP parameter list with the given (LBA, blocks) descriptors.
Bytes unmap_list(std::initializer_list<std::pair<std::uint64_t, std::uint32_t>> ranges) {
  Bytes out(8, 0);
  for (const auto& [lba, blocks] : ranges) {
    for (int i = 0; i < 8; ++i) out.push_back(std::uint8_t(lba >> (56 - 8 * i)));
    for (int i = 0; i < 4; ++i) out.push_back(std::uint8_t(blocks >> (24 - 8 * i)));
    out.insert(out.end(), 4, 0);
  }
  const std::size_t n = out.size();
  out[0] = std::uint8_t((n - 2) >> 8);
  out[1] = std::uint8_t(n - 2);
  out[2] = std::uint8_t((n - 8) >> 8);
  out[3] = std::uint8_t(n - 8);
  return out;
}

Bytes repeated(const Bytes& block, std::size_t times) {
  Bytes out;
  for (std::size_t i = 0; i < times; ++i) out.insert(out.end(), block.begin(), block.end());
  return out;
}

TEST_CASE("LU: UNMAP two ranges -> one Dataset Management (AD) with two ranges, the blocks "
          "read back as zeros, neighbours intact", "[translate][lu][unmap]") {
  LuHarness h;
  h.ready();
  const Bytes data = pattern(1, 20, 512);
  check_good(h.run(cdb10(0x2A, 0, 500, 20), data));
  const Bytes list = unmap_list({{500, 4}, {510, 2}, {700, 0}});
  CHECK(show(list) == show(hex(R"(
    00 36 00 30 00 00 00 00              // UNMAP DATA LENGTH 54, DESCRIPTOR DATA LENGTH 48
    00 00 00 00 00 00 01 F4  00 00 00 04  00 00 00 00  // LBA 500, 4 blocks
    00 00 00 00 00 00 01 FE  00 00 00 02  00 00 00 00  // LBA 510, 2 blocks
    00 00 00 00 00 00 02 BC  00 00 00 00  00 00 00 00  // LBA 700, 0 blocks: ignored
  )")));
  const ScsiResponse r = h.run(unmap_cdb(56), list);
  check_good(r);
  CHECK(r.transfer_length == 56);
  const auto dsm = h.recording().sqes(nvme::kOpcodeDatasetManagement);
  REQUIRE(dsm.size() == 1);
  CHECK((dsm[0].cdw10 & 0xFF) == 1);  // NR: 2 ranges, 0's based
  CHECK((dsm[0].cdw11 & nvme::kDsmAttributeDeallocate) != 0);
  const Bytes after = h.medium(500, 20);
  CHECK(Bytes(after.begin(), after.begin() + 4 * 512) == Bytes(4 * 512, 0));
  CHECK(Bytes(after.begin() + 4 * 512, after.begin() + 10 * 512) ==
        Bytes(data.begin() + 4 * 512, data.begin() + 10 * 512));
  CHECK(Bytes(after.begin() + 10 * 512, after.begin() + 12 * 512) == Bytes(2 * 512, 0));
}

TEST_CASE("LU: UNMAP PARAMETER LIST LENGTH 0 -> GOOD, no NVMe command", "[translate][lu][unmap]") {
  LuHarness h;
  h.ready();
  check_good(h.run(unmap_cdb(0)));
  CHECK(h.recording().count(nvme::kOpcodeDatasetManagement) == 0);
}

TEST_CASE("LU: UNMAP parameter list shorter than its header -> 1A/00", "[translate][lu][unmap]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(unmap_cdb(6), hex("00 04 00 00 00 00")), Sense::param_list_length_error());
}

TEST_CASE("LU: UNMAP DATA LENGTH past the list -> 1A/00 at parameter byte 0, DESCRIPTOR "
          "DATA LENGTH past it -> byte 2", "[translate][lu][unmap]") {
  LuHarness h;
  h.ready();
  Bytes list = unmap_list({{0, 1}});
  check_sense(h.run(unmap_cdb(24), with_byte(list, 1, 0x17)),
              Sense::param_list_length_error(FieldRef::param(0)));
  check_sense(h.run(unmap_cdb(24), with_byte(list, 3, 0x20)),
              Sense::param_list_length_error(FieldRef::param(2)));
}

TEST_CASE("LU: UNMAP a range past the last LBA -> 21/00, nothing deallocated",
          "[translate][lu][unmap]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(unmap_cdb(40), unmap_list({{0, 1}, {8190, 3}})), Sense::lba_out_of_range());
  CHECK(h.recording().count(nvme::kOpcodeDatasetManagement) == 0);
}

TEST_CASE("LU: UNMAP above MAXIMUM UNMAP LBA COUNT -> 26/00 at the NUMBER OF LOGICAL BLOCKS "
          "that crossed it", "[translate][lu][unmap]") {
  LuConfig config;
  config.capacity = 1ULL << 23;  // sparse: 4 GiB file, nothing written
  LuHarness h(config);
  h.ready();
  check_sense(h.run(unmap_cdb(40), unmap_list({{0, 1U << 19}, {1U << 22, (1U << 19) + 1}})),
              Sense::invalid_field_in_param_list(FieldRef::param(32)));
}

TEST_CASE("LU: UNMAP with 257 descriptors -> 26/00 at parameter byte 2", "[translate][lu][unmap]") {
  LuHarness h;
  h.ready();
  Bytes list = unmap_list({});
  for (int i = 0; i < 257; ++i) {
    const Bytes one = unmap_list({{std::uint64_t(i), 1}});
    list.insert(list.end(), one.begin() + 8, one.end());
  }
  const std::size_t n = list.size();
  list[0] = std::uint8_t((n - 2) >> 8);
  list[1] = std::uint8_t(n - 2);
  list[2] = std::uint8_t((n - 8) >> 8);
  list[3] = std::uint8_t(n - 8);
  check_sense(h.run(unmap_cdb(std::uint16_t(n)), list),
              Sense::invalid_field_in_param_list(FieldRef::param(2)));
}

TEST_CASE("LU: UNMAP with ANCHOR -> 24/00 at byte 1 bit 0 (ANC_SUP 0)", "[translate][lu][unmap]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(unmap_cdb(24, 0x01), unmap_list({{0, 1}})),
              Sense::invalid_field_in_cdb(FieldRef::cdb(1, 0)));
}

TEST_CASE("LU: a controller without Dataset Management -> UNMAP is 20/00, VPD B2h LBPU 0, "
          "B0h unmap limits 0", "[translate][lu][unmap]") {
  LuConfig config;
  config.hide_oncs = nvme::kOncsDatasetManagement;
  LuHarness h(config);
  h.ready();
  check_sense(h.run(unmap_cdb(24), unmap_list({{0, 1}})), Sense::invalid_command_operation_code());
  CHECK(int(h.run(hex("12 01 B2 00 FF 00")).data_in.at(5)) == 0x64);  // LBPWS(10) via DEAC
  const Bytes b0 = h.run(hex("12 01 B0 00 FF 00")).data_in;
  CHECK(show(Bytes(b0.begin() + 20, b0.begin() + 28)) == show(hex("00 00 00 00 00 00 00 00")));
}

TEST_CASE("LU: WRITE SAME(10) with a pattern over 40 blocks -> 3 NVMe Writes from one "
          "shared buffer, every block holds the pattern", "[translate][lu][writesame]") {
  LuHarness h;
  h.ready();
  const Bytes block = pattern(21, 1, 512);
  const ScsiResponse r = h.run(cdb10(0x41, 0, 1000, 40), block);
  check_good(r);
  CHECK(r.transfer_length == 512);
  CHECK(h.recording().count(nvme::kOpcodeWrite) == 3);
  CHECK(first_difference(h.medium(1000, 40), repeated(block, 40)) == -1);
}

TEST_CASE("LU: WRITE SAME(16) over the whole namespace with a pattern -> bounded pieces, "
          "the medium holds it", "[translate][lu][writesame]") {
  LuHarness h;
  h.ready();
  const Bytes block = pattern(22, 1, 512);
  check_good(h.run(cdb16(0x93, 0, 0, 8192), block));
  CHECK(h.recording().count(nvme::kOpcodeWrite) == 512);  // 16 blocks per Write (MDTS)
  CHECK(first_difference(h.medium(8000, 192), repeated(block, 192)) == -1);
}

TEST_CASE("LU: WRITE SAME(16) UNMAP=1 with zeros -> Write Zeroes with DEAC (DLFEAT bit 3), "
          "reads back zeros", "[translate][lu][writesame]") {
  LuHarness h;
  h.ready();
  check_good(h.run(cdb10(0x2A, 0, 64, 8), pattern(2, 8, 512)));
  check_good(h.run(cdb16(0x93, 0x08, 64, 8), Bytes(512, 0)));
  const auto wz = h.recording().io(nvme::kOpcodeWriteZeroes);
  REQUIRE(wz.size() == 1);
  CHECK(wz[0].deac);
  CHECK(wz[0].slba == 64);
  CHECK(wz[0].blocks() == 8);
  CHECK(h.medium(64, 8) == Bytes(8 * 512, 0));
}

TEST_CASE("LU: WRITE SAME(16) NDOB=1 UNMAP=0 -> Write Zeroes without DEAC, no Data-Out",
          "[translate][lu][writesame]") {
  LuConfig config;
  config.capacity = 1U << 17;
  LuHarness h(config);
  h.ready();
  check_good(h.run(cdb10(0x2A, 0, 64, 8), pattern(2, 8, 512)));
  const ScsiResponse r = h.run(cdb16(0x93, 0x01, 64, 70000));
  check_good(r);
  CHECK(r.transfer_length == 0);
  const auto wz = h.recording().io(nvme::kOpcodeWriteZeroes);
  REQUIRE(wz.size() == 2);  // 65,536 + 4,464 blocks
  CHECK_FALSE(wz[0].deac);
  CHECK(wz[0].blocks() == 65536);
  CHECK(wz[1].blocks() == 4464);
  CHECK(h.medium(64, 8) == Bytes(8 * 512, 0));
}

TEST_CASE("LU: WRITE SAME(10) UNMAP=1 with a non-zero pattern -> written, not unmapped",
          "[translate][lu][writesame]") {
  LuHarness h;
  h.ready();
  const Bytes block = pattern(23, 1, 512);
  check_good(h.run(cdb10(0x41, 0x08, 10, 2), block));
  CHECK(h.recording().count(nvme::kOpcodeWriteZeroes) == 0);
  CHECK(h.medium(10, 2) == repeated(block, 2));
}

TEST_CASE("LU: WRITE SAME NUMBER OF LOGICAL BLOCKS 0 (WSNZ=1) -> 24/00 at the length field",
          "[translate][lu][writesame]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(cdb10(0x41, 0, 0, 0), Bytes(512, 0)),
              Sense::invalid_field_in_cdb(FieldRef::cdb(7)));
  check_sense(h.run(cdb16(0x93, 0, 0, 0), Bytes(512, 0)),
              Sense::invalid_field_in_cdb(FieldRef::cdb(10)));
}

TEST_CASE("LU: WRITE SAME above MAXIMUM WRITE SAME LENGTH -> 24/00 at byte 10",
          "[translate][lu][writesame]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(cdb16(0x93, 0x01, 0, (1U << 22) + 1)),
              Sense::invalid_field_in_cdb(FieldRef::cdb(10)));
}

TEST_CASE("LU: WRITE SAME past the last LBA -> 21/00", "[translate][lu][writesame]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(cdb16(0x93, 0, 8191, 2), Bytes(512, 1)), Sense::lba_out_of_range());
}

TEST_CASE("LU: WRITE SAME ANCHOR -> 24/00 at byte 1 bit 4", "[translate][lu][writesame]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(cdb16(0x93, 0x18, 0, 1), Bytes(512, 0)),
              Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4)));
}

TEST_CASE("LU: WRITE SAME without its block of Data-Out -> 24/00 at the length field",
          "[translate][lu][writesame]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(cdb10(0x41, 0, 0, 4), Bytes(100, 0)),
              Sense::invalid_field_in_cdb(FieldRef::cdb(7)));
}

TEST_CASE("LU: WRITE SAME(10) UNMAP=1 zeros without Write Zeroes -> Dataset Management "
          "deallocate (DLFEAT 001b: reads return zeros)", "[translate][lu][writesame]") {
  LuConfig config;
  config.hide_oncs = nvme::kOncsWriteZeroes;
  LuHarness h(config);
  h.ready();
  check_good(h.run(cdb10(0x2A, 0, 64, 8), pattern(2, 8, 512)));
  check_good(h.run(cdb10(0x41, 0x08, 64, 8), Bytes(512, 0)));
  CHECK(h.recording().count(nvme::kOpcodeDatasetManagement) == 1);
  CHECK(h.medium(64, 8) == Bytes(8 * 512, 0));
}

TEST_CASE("LU: WRITE SAME(10) zeros without Write Zeroes and UNMAP=0 -> written as a pattern",
          "[translate][lu][writesame]") {
  LuConfig config;
  config.hide_oncs = nvme::kOncsWriteZeroes;
  LuHarness h(config);
  h.ready();
  check_good(h.run(cdb10(0x2A, 0, 64, 8), pattern(2, 8, 512)));
  check_good(h.run(cdb10(0x41, 0x00, 64, 8), Bytes(512, 0)));
  CHECK(h.recording().count(nvme::kOpcodeDatasetManagement) == 0);
  CHECK(h.recording().count(nvme::kOpcodeWrite) == 2);  // the priming write + one pattern
  CHECK(h.medium(64, 8) == Bytes(8 * 512, 0));
}

TEST_CASE("LU: WRITE SAME UNMAP=1 on a controller that cannot deallocate -> 24/00 at byte 1 "
          "bit 3, VPD B2h LBPWS 0", "[translate][lu][writesame]") {
  LuConfig config;
  config.hide_oncs = nvme::kOncsDatasetManagement | nvme::kOncsWriteZeroes;
  LuHarness h(config);
  h.ready();
  check_sense(h.run(cdb10(0x41, 0x08, 0, 1), Bytes(512, 0)),
              Sense::invalid_field_in_cdb(FieldRef::cdb(1, 3)));
  CHECK(show(h.run(hex("12 01 B2 00 FF 00")).data_in) == show(hex("00 B2 00 04 00 00 00 00")));
}

Bytes caw_cdb(std::uint64_t lba, std::uint8_t blocks, std::uint8_t flags = 0) {
  Bytes c = cdb16(0x89, flags, lba, 0);
  c[13] = blocks;
  return c;
}

TEST_CASE("LU: COMPARE AND WRITE with matching verify data -> one fused Compare+Write, the "
          "new data is on the medium", "[translate][lu][caw]") {
  LuHarness h;
  h.ready();
  const Bytes old_data = pattern(31, 2, 512);
  const Bytes new_data = pattern(32, 2, 512);
  check_good(h.run(cdb10(0x2A, 0, 40, 2), old_data));
  const ScsiResponse r = h.run(caw_cdb(40, 2), concat({old_data, new_data}));
  check_good(r);
  CHECK(r.transfer_length == 2048);
  CHECK(h.recording().fused() == 1);
  const auto compares = h.recording().io(nvme::kOpcodeCompare);
  REQUIRE(compares.size() == 1);
  CHECK(compares[0].fuse == nvme::Fuse::kFirst);
  CHECK(h.medium(40, 2) == new_data);
}

TEST_CASE("LU: COMPARE AND WRITE miscompare -> MISCOMPARE 1D/00, INFORMATION = offset of "
          "the first differing byte, medium unchanged", "[translate][lu][caw]") {
  LuHarness h;
  h.ready();
  const Bytes old_data = pattern(31, 2, 512);
  check_good(h.run(cdb10(0x2A, 0, 40, 2), old_data));
  Bytes verify = old_data;
  verify[700] ^= 0x01;
  const ScsiResponse r = h.run(caw_cdb(40, 2), concat({verify, pattern(32, 2, 512)}));
  check_sense(r, miscompare(700));
  CHECK(show(r.sense) == show(hex(R"(
    F0 00 0E           // VALID, current; MISCOMPARE
    00 00 02 BC        // INFORMATION: byte 700
    0A 00 00 00 00     // ADDITIONAL SENSE LENGTH, COMMAND-SPECIFIC INFORMATION
    1D 00 00 00 00 00  // MISCOMPARE DURING VERIFY OPERATION
  )")));
  CHECK(h.medium(40, 2) == old_data);
}

TEST_CASE("LU: COMPARE AND WRITE above MAXIMUM COMPARE AND WRITE LENGTH (16) -> 24/00 at "
          "byte 13", "[translate][lu][caw]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(caw_cdb(0, 17), Bytes(17 * 1024, 0)),
              Sense::invalid_field_in_cdb(FieldRef::cdb(13)));
}

TEST_CASE("LU: COMPARE AND WRITE of 0 blocks -> GOOD, nothing sent (SBC-4 5.3)",
          "[translate][lu][caw]") {
  LuHarness h;
  h.ready();
  check_good(h.run(caw_cdb(0, 0)));
  CHECK(h.recording().fused() == 0);
}

TEST_CASE("LU: COMPARE AND WRITE past the last LBA -> 21/00, Data-Out other than 2 x NUMBER "
          "OF LOGICAL BLOCKS -> 24/00 at byte 13", "[translate][lu][caw]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(caw_cdb(8191, 2), Bytes(2048, 0)), Sense::lba_out_of_range());
  check_sense(h.run(caw_cdb(0, 2), Bytes(1024, 0)),
              Sense::invalid_field_in_cdb(FieldRef::cdb(13)));
  check_sense(h.run(caw_cdb(0, 2), Bytes(4096, 0)),
              Sense::invalid_field_in_cdb(FieldRef::cdb(13)));
  // 256 blocks do not fit the one-byte field: 0 with 2 x 256 blocks of data is refused.
  check_sense(h.run(caw_cdb(0, 0), Bytes(2 * 256 * 512, 0)),
              Sense::invalid_field_in_cdb(FieldRef::cdb(13)));
  CHECK(h.recording().fused() == 0);
}

TEST_CASE("LU: COMPARE AND WRITE failing with Internal Error -> HARDWARE ERROR 44/00",
          "[translate][lu][caw]") {
  LuConfig config;
  config.faults = true;
  LuHarness h(config);
  h.ready();
  h.faults().add_rule(nvme::FaultRule::fail_command(1, nvme::Status::internal_error()));
  check_sense(h.run(caw_cdb(0, 1), Bytes(1024, 0)), Sense::hardware_error(0x44, 0x00));
}

TEST_CASE("LU: a controller without fused Compare and Write -> COMPARE AND WRITE is 20/00, "
          "VPD B0h MAXIMUM COMPARE AND WRITE LENGTH 0", "[translate][lu][caw]") {
  LuConfig config;
  config.hide_fused = true;
  LuHarness h(config);
  h.ready();
  check_sense(h.run(caw_cdb(0, 1), Bytes(1024, 0)), Sense::invalid_command_operation_code());
  CHECK(h.run(hex("12 01 B0 00 FF 00")).data_in.at(5) == 0);
}

}  // namespace
}  // namespace xg::test
