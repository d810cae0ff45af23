// READ/WRITE 6/10/12/16, VERIFY, WRITE AND VERIFY, SYNCHRONIZE CACHE (SBC-4 5.x) on the
// NVMe-backed LU: data written and read back, splits above MDTS (16 blocks per NVMe
// command in the harness), FUA, range and transfer-length errors with the whole sense.
#include <atomic>
#include <thread>

#include "nvme/spec.h"
#include "tests/translate/lu_test_support.h"

namespace xg::test {
namespace {

using scsi::FieldRef;
using scsi::Sense;

constexpr std::uint8_t kRead10 = 0x28;
constexpr std::uint8_t kWrite10 = 0x2A;
constexpr std::uint8_t kRead16 = 0x88;
constexpr std::uint8_t kWrite16 = 0x8A;

TEST_CASE("LU: WRITE(10) then READ(10) -> the same bytes, on the namespace too",
          "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  const Bytes data = pattern(7, 8, 512);
  const ScsiResponse w = h.run(cdb10(kWrite10, 0, 100, 8), data);
  check_good(w);
  CHECK(w.transfer_length == 8 * 512);
  const ScsiResponse r = h.run(cdb10(kRead10, 0, 100, 8));
  check_good(r);
  CHECK(r.transfer_length == 8 * 512);
  CHECK(first_difference(r.data_in, data) == -1);
  CHECK(first_difference(h.medium(100, 8), data) == -1);
}

TEST_CASE("LU: READ(6)/WRITE(6) address 21 bits, TRANSFER LENGTH 0 means 256 blocks "
          "(SBC-4 5.15, 5.51)", "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  const Bytes data = pattern(3, 256, 512);
  check_good(h.run(hex("0A 00 01 00 00 00"), data));  // WRITE(6) LBA 100h, 256 blocks
  const ScsiResponse r = h.run(hex("08 00 01 00 00 00"));
  check_good(r);
  CHECK(r.data_in.size() == 256 * 512);
  CHECK(first_difference(r.data_in, data) == -1);
  CHECK(first_difference(h.medium(0x100, 256), data) == -1);
}

TEST_CASE("LU: READ(12)/WRITE(12) and READ(16)/WRITE(16) round trip", "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  const Bytes a = pattern(11, 3, 512);
  const Bytes b = pattern(12, 5, 512);
  check_good(h.run(cdb12(0xAA, 0, 8000, 3), a));
  check_good(h.run(cdb16(kWrite16, 0, 8187, 5), b));
  CHECK(first_difference(h.run(cdb12(0xA8, 0, 8000, 3)).data_in, a) == -1);
  CHECK(first_difference(h.run(cdb16(kRead16, 0, 8187, 5)).data_in, b) == -1);
}

TEST_CASE("LU: a 100-block WRITE(16) above MDTS -> 7 NVMe Writes (16 blocks each, the last "
          "4), several in flight, data intact", "[translate][lu][io][split]") {
  LuConfig config;
  config.faults = true;
  LuHarness h(config);
  h.ready();
  // Each Write waits 20 ms, so the window is visibly used.
  h.faults().add_rule(nvme::FaultRule::latency_for(std::chrono::milliseconds(20), 0,
                                                   nvme::kOpcodeWrite));
  const Bytes data = pattern(5, 100, 512);
  check_good(h.run(cdb16(kWrite16, 0, 1000, 100), data));
  const auto writes = h.recording().io(nvme::kOpcodeWrite);
  REQUIRE(writes.size() == 7);
  std::uint64_t next = 1000;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    CHECK(writes[i].slba == next);
    CHECK(writes[i].blocks() == (i < 6 ? 16U : 4U));
    next += writes[i].blocks();
  }
  CHECK(h.recording().max_in_flight() > 1);
  CHECK(h.recording().max_in_flight() <= 8);
  CHECK(first_difference(h.medium(1000, 100), data) == -1);
  h.recording().clear();
  const ScsiResponse r = h.run(cdb16(kRead16, 0, 1000, 100));
  CHECK(h.recording().count(nvme::kOpcodeRead) == 7);
  CHECK(first_difference(r.data_in, data) == -1);
}

TEST_CASE("LU: the largest transfer (MAXIMUM TRANSFER LENGTH 4096 blocks) -> 256 NVMe "
          "Reads", "[translate][lu][io][split]") {
  LuHarness h;
  h.ready();
  const Bytes data = pattern(9, 4096, 512);
  check_good(h.run(cdb16(kWrite16, 0, 4096, 4096), data));
  h.recording().clear();
  const ScsiResponse r = h.run(cdb16(kRead16, 0, 4096, 4096));
  check_good(r);
  CHECK(h.recording().count(nvme::kOpcodeRead) == 256);
  CHECK(first_difference(r.data_in, data) == -1);
}

// Linux passthrough refuses a command whose buffer needs more than max_segments pages
// (nvme/linux/queue_limits.h): on QEMU's controller MDTS is 512 KiB but 127 segments carry
// at most 504 KiB of an unaligned buffer. The LU must cut by that limit, not MDTS alone.
TEST_CASE("LU: READ/WRITE(16) of 2048 blocks are cut by the host path limit below MDTS "
          "(504 KiB under a 512 KiB MDTS), data intact", "[translate][lu][io][split]") {
  LuConfig config;
  config.capacity = 16384;
  config.mdts = 7;                                   // 512 KiB = 1024 blocks
  config.host_max_transfer_bytes = 126 * 4096;       // 1008 blocks
  LuHarness h(config);
  h.ready();
  const Bytes data = pattern(11, 2048, 512);
  check_good(h.run(cdb16(kWrite16, 0, 3, 2048), data));
  const auto writes = h.recording().io(nvme::kOpcodeWrite);
  REQUIRE(writes.size() == 3);
  CHECK(writes[0].blocks() == 1008);
  CHECK(writes[1].blocks() == 1008);
  CHECK(writes[2].blocks() == 32);
  const ScsiResponse r = h.run(cdb16(kRead16, 0, 3, 2048));
  check_good(r);
  CHECK(h.recording().count(nvme::kOpcodeRead) == 3);
  CHECK(first_difference(r.data_in, data) == -1);
  CHECK(first_difference(h.medium(3, 2048), data) == -1);
}

TEST_CASE("LU: READ(16) past the last LBA -> 21/00 LBA OUT OF RANGE", "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(cdb16(kRead16, 0, 8190, 3)), Sense::lba_out_of_range());
  check_sense(h.run(cdb16(kRead16, 0, 0xFFFFFFFFFFFFFFFFULL, 2)), Sense::lba_out_of_range());
  CHECK(h.recording().count(nvme::kOpcodeRead) == 0);
}

TEST_CASE("LU: WRITE(10) starting at the capacity -> 21/00, ending at the last LBA -> GOOD",
          "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(cdb10(kWrite10, 0, 8192, 1), pattern(1, 1, 512)), Sense::lba_out_of_range());
  check_good(h.run(cdb10(kWrite10, 0, 8191, 1), pattern(1, 1, 512)));
}

TEST_CASE("LU: TRANSFER LENGTH 0 -> GOOD, no NVMe command (SBC-4 5.16)", "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  const ScsiResponse r = h.run(cdb10(kRead10, 0, 5, 0));
  check_good(r);
  CHECK(r.data_in.empty());
  CHECK(r.transfer_length == 0);
  check_good(h.run(cdb10(kWrite10, 0, 5, 0)));
  CHECK(h.recording().count(nvme::kOpcodeRead) + h.recording().count(nvme::kOpcodeWrite) == 0);
}

TEST_CASE("LU: READ(10) above MAXIMUM TRANSFER LENGTH -> 24/00 at TRANSFER LENGTH (byte 7)",
          "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(cdb10(kRead10, 0, 0, 4097)), Sense::invalid_field_in_cdb(FieldRef::cdb(7)));
  check_sense(h.run(cdb16(kRead16, 0, 0, 4097)), Sense::invalid_field_in_cdb(FieldRef::cdb(10)));
}

TEST_CASE("LU: READ(10) with RDPROTECT -> 24/00 at byte 1 bit 7 (PROTECT=0)",
          "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(cdb10(kRead10, 0x20, 0, 1)), Sense::invalid_field_in_cdb(FieldRef::cdb(1, 5)));
  check_sense(h.run(cdb10(kRead10, 0xE0, 0, 1)), Sense::invalid_field_in_cdb(FieldRef::cdb(1, 7)));
}

TEST_CASE("LU: WRITE(10) with less Data-Out than TRANSFER LENGTH writes the whole blocks that "
          "came and reports the CDB's length for the overflow residual (FCP-4 9.4.2)",
          "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  const Bytes data = pattern(5, 1, 512);  // one block of data for a two-block WRITE
  const ScsiResponse r = h.run(cdb10(kWrite10, 0, 20, 2), data);
  check_good(r);
  CHECK(r.transfer_length == 1024);  // the transport derives residual overflow 512
  CHECK(h.recording().count(nvme::kOpcodeWrite) == 1);
  CHECK(h.medium(20, 1) == data);
  CHECK(h.medium(21, 1) == Bytes(512, 0));  // the block without data is untouched
}

TEST_CASE("LU: WRITE(10) whose Data-Out ends inside a block -> 0E/03, nothing written, the "
          "CDB's length still reported", "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  const ScsiResponse r = h.run(cdb10(kWrite10, 0, 0, 1), pattern(1, 1, 200));
  check_sense(r, Sense::illegal_request(0x0E, 0x03));
  CHECK(r.transfer_length == 512);
  CHECK(h.recording().count(nvme::kOpcodeWrite) == 0);
}

TEST_CASE("LU: WRITE(10) with no Data-Out at all writes nothing and is GOOD (EDTL 0)",
          "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  const ScsiResponse r = h.run(cdb10(kWrite10, 0, 0, 1), Bytes{});
  check_good(r);
  CHECK(r.transfer_length == 512);
  CHECK(h.recording().count(nvme::kOpcodeWrite) == 0);
}

TEST_CASE("LU: WRITE(10) with more Data-Out than needed -> the first blocks are written, "
          "transfer_length says how many bytes the CDB asked for", "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  const Bytes data = pattern(2, 3, 512);
  const ScsiResponse r = h.run(cdb10(kWrite10, 0, 10, 2), data);
  check_good(r);
  CHECK(r.transfer_length == 1024);
  CHECK(first_difference(h.medium(10, 2), Bytes(data.begin(), data.begin() + 1024)) == -1);
  CHECK(h.medium(12, 1) == Bytes(512, 0));
}

TEST_CASE("LU: FUA on READ/WRITE -> NVMe FUA, no FUA with WCE=1 -> none",
          "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  check_good(h.run(cdb10(kWrite10, 0x08, 0, 1), pattern(1, 1, 512)));
  check_good(h.run(cdb10(kWrite10, 0x00, 1, 1), pattern(1, 1, 512)));
  check_good(h.run(cdb16(kRead16, 0x08, 0, 1)));
  const auto writes = h.recording().io(nvme::kOpcodeWrite);
  REQUIRE(writes.size() == 2);
  CHECK(writes[0].fua);
  CHECK_FALSE(writes[1].fua);
  const auto reads = h.recording().io(nvme::kOpcodeRead);
  REQUIRE(reads.size() == 1);
  CHECK(reads[0].fua);
}

TEST_CASE("LU: SYNCHRONIZE CACHE(10)/(16) -> one NVMe Flush of the namespace, GOOD",
          "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  check_good(h.run(cdb10(0x35, 0, 0, 0)));
  check_good(h.run(cdb16(0x91, 0, 100, 10)));
  const auto flushes = h.recording().sqes(nvme::kOpcodeFlush);
  REQUIRE(flushes.size() == 2);
  CHECK(flushes[0].nsid == 1);
}

TEST_CASE("LU: SYNCHRONIZE CACHE(16) past the last LBA -> 21/00", "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(cdb16(0x91, 0, 8190, 10)), Sense::lba_out_of_range());
}

TEST_CASE("LU: SYNCHRONIZE CACHE(10) IMMED=1 -> GOOD at once, the Flush still sent",
          "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  check_good(h.run(cdb10(0x35, 0x02, 0, 0)));
  CHECK(h.recording().count(nvme::kOpcodeFlush) == 1);
}

TEST_CASE("LU: VERIFY(10) BYTCHK=0 -> NVMe Verify, split per 16 blocks", "[translate][lu][verify]") {
  LuHarness h;
  h.ready();
  const ScsiResponse r = h.run(cdb10(0x2F, 0x00, 0, 40));
  check_good(r);
  CHECK(r.transfer_length == 0);
  CHECK(h.recording().count(nvme::kOpcodeVerify) == 3);
}

TEST_CASE("LU: VERIFY(16) BYTCHK=1 equal -> GOOD, different -> MISCOMPARE 1D/00 with "
          "INFORMATION = offset of the first differing byte", "[translate][lu][verify]") {
  LuHarness h;
  h.ready();
  Bytes data = pattern(4, 20, 512);
  check_good(h.run(cdb16(kWrite16, 0, 300, 20), data));
  check_good(h.run(cdb16(0x8F, 0x02, 300, 20), data));
  data[17 * 512 + 9] ^= 0xFF;
  const ScsiResponse r = h.run(cdb16(0x8F, 0x02, 300, 20), data);
  check_sense(r, miscompare(17 * 512 + 9));
  CHECK(show(r.sense) == show(hex(R"(
    F0 00 0E           // VALID, current; MISCOMPARE
    00 00 22 09        // INFORMATION: byte 17 x 512 + 9 of the Data-Out
    0A 00 00 00 00     // ADDITIONAL SENSE LENGTH, COMMAND-SPECIFIC INFORMATION
    1D 00 00 00 00 00  // MISCOMPARE DURING VERIFY OPERATION
  )")));
}

TEST_CASE("LU: VERIFY(10) BYTCHK=11b compares one block against every block",
          "[translate][lu][verify]") {
  LuHarness h;
  h.ready();
  const Bytes block = pattern(6, 1, 512);
  Bytes four;
  for (int i = 0; i < 4; ++i) four.insert(four.end(), block.begin(), block.end());
  check_good(h.run(cdb10(kWrite10, 0, 50, 4), four));
  check_good(h.run(cdb10(0x2F, 0x06, 50, 4), block));
  // Block 53 differs at byte 0 -> offset 3 x 512 from the start of the range.
  check_good(h.run(cdb10(kWrite10, 0, 53, 1), pattern(8, 1, 512)));
  const auto differs_at = static_cast<std::uint64_t>(first_difference(pattern(8, 1, 512), block));
  check_sense(h.run(cdb10(0x2F, 0x06, 50, 4), block), miscompare(3 * 512 + differs_at));
}

TEST_CASE("LU: VERIFY(10) BYTCHK=10b (reserved) -> 24/00 at byte 1 bit 2",
          "[translate][lu][verify]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(cdb10(0x2F, 0x04, 0, 1)), Sense::invalid_field_in_cdb(FieldRef::cdb(1, 2)));
}

TEST_CASE("LU: WRITE AND VERIFY(10) BYTCHK=0 -> Writes with FUA then NVMe Verify, data "
          "on the medium", "[translate][lu][verify]") {
  LuHarness h;
  h.ready();
  const Bytes data = pattern(13, 20, 512);
  check_good(h.run(cdb10(0x2E, 0x00, 200, 20), data));
  const auto writes = h.recording().io(nvme::kOpcodeWrite);
  REQUIRE(writes.size() == 2);
  CHECK(writes[0].fua);
  CHECK(h.recording().count(nvme::kOpcodeVerify) == 2);
  CHECK(first_difference(h.medium(200, 20), data) == -1);
}

TEST_CASE("LU: WRITE AND VERIFY(16) BYTCHK=1 -> written and read back", "[translate][lu][verify]") {
  LuHarness h;
  h.ready();
  const Bytes data = pattern(14, 3, 512);
  check_good(h.run(cdb16(0x8E, 0x02, 7, 3), data));
  CHECK(h.recording().count(nvme::kOpcodeRead) == 1);
  CHECK(first_difference(h.medium(7, 3), data) == -1);
}

TEST_CASE("LU: WRITE AND VERIFY(10) BYTCHK=11b -> 24/00 at byte 1 bit 2",
          "[translate][lu][verify]") {
  LuHarness h;
  h.ready();
  check_sense(h.run(cdb10(0x2E, 0x06, 0, 1), pattern(1, 1, 512)),
              Sense::invalid_field_in_cdb(FieldRef::cdb(1, 2)));
}

TEST_CASE("LU: VERIFY(16) BYTCHK=0 on a controller without Verify -> NVMe Reads, GOOD",
          "[translate][lu][verify]") {
  LuConfig config;
  config.hide_oncs = nvme::kOncsVerify;
  LuHarness h(config);
  h.ready();
  check_good(h.run(cdb16(0x8F, 0x00, 0, 20)));
  CHECK(h.recording().count(nvme::kOpcodeVerify) == 0);
  CHECK(h.recording().count(nvme::kOpcodeRead) == 2);
}

TEST_CASE("LU: 4096-byte blocks -> WRITE(16)/READ(16) of 9 blocks split per 4 blocks",
          "[translate][lu][io][split]") {
  LuConfig config;
  config.lba_size = 4096;
  config.capacity = 1024;
  config.mdts = 2;  // 16 KiB = 4 blocks per NVMe command
  LuHarness h(config);
  h.ready();
  const Bytes data = pattern(40, 9, 4096);
  check_good(h.run(cdb16(kWrite16, 0, 1015, 9), data));
  CHECK(h.recording().count(nvme::kOpcodeWrite) == 3);
  const ScsiResponse r = h.run(cdb16(kRead16, 0, 1015, 9));
  CHECK(r.transfer_length == 9 * 4096);
  CHECK(first_difference(r.data_in, data) == -1);
  check_sense(h.run(cdb16(kRead16, 0, 1015, 10)), Sense::lba_out_of_range());
}

TEST_CASE("LU: NPWG 7 with OPTPERF -> READ CAPACITY(16) LOGICAL BLOCKS PER PHYSICAL BLOCK "
          "EXPONENT 3", "[translate][lu][capacity]") {
  LuConfig config;
  config.npwg = 7;  // 8 blocks, 0's based
  LuHarness h(config);
  h.ready();
  const ScsiResponse r = h.run(hex("9E 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00"));
  check_good(r);
  CHECK(int(r.data_in.at(13)) == 0x03);
}

TEST_CASE("LU: commands from four threads at once, each on its own range -> every range "
          "reads back what its thread wrote", "[translate][lu][io][concurrency]") {
  LuHarness h;
  h.ready();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, &failures, t] {
      for (int round = 0; round < 10; ++round) {
        const std::uint32_t lba = std::uint32_t(t * 1024 + round * 40);
        const Bytes data = pattern(std::uint32_t(t * 100 + round), 40, 512);
        if (h.run(cdb10(kWrite10, 0, lba, 40), data).status != scsi::Status::kGood) ++failures;
        const ScsiResponse r = h.run(cdb10(kRead10, 0, lba, 40));
        if (r.status != scsi::Status::kGood || r.data_in != data) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
}

TEST_CASE("LU: PRE-FETCH(10)/(16) check the range and answer GOOD without NVMe I/O "
          "(SBC-4 5.10, 5.11)", "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  const std::size_t before = h.recording().count(nvme::kOpcodeRead);
  check_good(h.run(cdb10(0x34, 0x02, 100, 8)));  // IMMED
  check_good(h.run(cdb16(0x90, 0x00, 100, 8)));
  CHECK(h.recording().count(nvme::kOpcodeRead) == before);
  check_sense(h.run(cdb10(0x34, 0, 8190, 8)), Sense::lba_out_of_range());
  check_sense(h.run(cdb16(0x90, 0, 8192, 1)), Sense::lba_out_of_range());
  check_sense(h.run(cdb10(0x34, 0x04, 0, 1)), Sense::invalid_field_in_cdb(FieldRef::cdb(1, 2)));
}

TEST_CASE("LU: VERIFY(12) and WRITE AND VERIFY(12) behave as their 10/16-byte forms",
          "[translate][lu][io]") {
  LuHarness h;
  h.ready();
  auto cdb12 = [](std::uint8_t op, std::uint8_t flags, std::uint32_t lba, std::uint32_t blocks) {
    return Bytes{op, flags, std::uint8_t(lba >> 24), std::uint8_t(lba >> 16),
                 std::uint8_t(lba >> 8), std::uint8_t(lba), std::uint8_t(blocks >> 24),
                 std::uint8_t(blocks >> 16), std::uint8_t(blocks >> 8), std::uint8_t(blocks),
                 0, 0};
  };
  const Bytes data = pattern(9, 2, 512);
  check_good(h.run(cdb12(0xAE, 0x02, 300, 2), data));  // WRITE AND VERIFY(12), BYTCHK 01b
  CHECK(h.medium(300, 2) == data);
  check_good(h.run(cdb12(0xAF, 0x02, 300, 2), data));  // VERIFY(12), BYTCHK 01b: equal
  Bytes other = data;
  other[600] ^= 1;
  const ScsiResponse r = h.run(cdb12(0xAF, 0x02, 300, 2), other);
  REQUIRE(r.status == scsi::Status::kCheckCondition);
  const Sense s = sense_of(r);
  CHECK(s.key == scsi::SenseKey::kMiscompare);
  CHECK(s.asc == 0x1D);
  CHECK(s.information == std::optional<std::uint64_t>(600));
  check_sense(h.run(cdb12(0xAF, 0, 8191, 2)), Sense::lba_out_of_range());
}

}  // namespace
}  // namespace xg::test
