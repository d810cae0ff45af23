// Conformance: identify and the non-Copy I/O commands, against any nvme::Device.
#include <atomic>
#include <thread>

#include "tests/nvme/conformance/conformance_fixture.h"

namespace xg::test {
namespace {

using nvme::Status;

TEST_CASE_METHOD(Conformance, "Identify: ONCS bit 8 Copy, OCFS 0h, per-namespace MSSRL/MCL/MSRC "
                 "and a 512 or 4096-byte LBA format (Base 2.0, NVM Command Set 1.0 Identify)",
                 "[conformance][identify]") {
  CHECK(controller.supports_copy());
  CHECK(controller.supports_copy_format(nvme::kDescriptorFormat0));
  CHECK(first_ns.nsze > 0);
  CHECK((first_ns.logical_block_size() == 512 || first_ns.logical_block_size() == 4096));
  CHECK(first_ns.mssrl > 0);
  CHECK(first_ns.mcl >= first_ns.mssrl);
  if (device().name().rfind("emulated:", 0) == 0) {
    // The factory's defaults (the QEMU settings of tests/interop/vm).
    CHECK(controller.mn == "xgate emulated NVMe");
    CHECK(controller.supports_compare_and_write());
    CHECK(controller.volatile_write_cache());
    CHECK(controller.ocfs == 0x000F);
    CHECK(first_ns.mssrl == 128);
    CHECK(first_ns.mcl == 1024);
    CHECK(first_ns.msrc == 15);
    CHECK(first_ns.logical_block_size() == 512);
    CHECK((first_ns.dlfeat & 0x7) == 1);
    CHECK(device().identify_namespace(0x12345).empty());
  }
}

TEST_CASE_METHOD(Conformance, "Write then Read returns the data at queue depth 1 (NVM 1.0 3.2.6, "
                 "3.3.4)", "[conformance][io]") {
  const Bytes written = fill(*io1, 100, 8, 1);
  CHECK(read(*io1, 100, 8) == written);
  // One block at a time reads the same bytes in the same places.
  for (std::size_t i = 0; i < 8; ++i) CHECK(io1->read(100 + i, 1) == blocks_of(written, i, 1, block()));
}

TEST_CASE_METHOD(Conformance, "32 Writes then 32 Reads in flight at once all complete with their "
                 "own data", "[conformance][io]") {
  constexpr std::size_t kDepth = 32;
  std::vector<Bytes> out(kDepth);
  std::vector<Bytes> in(kDepth, Bytes(4 * block()));
  std::vector<nvme::Command> writes;
  std::vector<nvme::Command> reads;
  for (std::size_t i = 0; i < kDepth; ++i) {
    out[i] = data(static_cast<std::uint32_t>(100 + i), 4);
    writes.push_back({must(nvme::build_write(io1->nsid, 200 + 4 * i, 4)), out[i]});
    reads.push_back({must(nvme::build_read(io1->nsid, 200 + 4 * i, 4)), in[i]});
  }
  for (const auto& c : run_in_flight(device(), writes)) CHECK(c.status == Status::success());
  for (const auto& c : run_in_flight(device(), reads)) CHECK(c.status == Status::success());
  for (std::size_t i = 0; i < kDepth; ++i) CHECK(in[i] == out[i]);
}

TEST_CASE_METHOD(Conformance, "Flush completes successfully (Base 2.0 7.1)", "[conformance][io]") {
  fill(*io1, 300, 2, 3);
  CHECK(nvme::execute(device(), {nvme::build_flush(io1->nsid), {}}).status == Status::success());
}

TEST_CASE_METHOD(Conformance, "Write Zeroes, with and without DEAC, reads back zeros "
                 "(NVM 1.0 3.2.8)", "[conformance][io]") {
  const bool deac = GENERATE(false, true);
  fill(*io1, 400, 16, 4);
  nvme::IoOptions options;
  options.deac = deac;
  const auto c = nvme::execute(device(),
                               {must(nvme::build_write_zeroes(io1->nsid, 402, 8, options)), {}});
  REQUIRE(c.status == Status::success());
  const Bytes after = read(*io1, 400, 16);
  CHECK(blocks_of(after, 2, 8, block()) == Bytes(8 * block(), 0));
  // Neighbours untouched.
  CHECK(blocks_of(after, 0, 2, block()) == blocks_of(data(4, 16), 0, 2, block()));
  CHECK(blocks_of(after, 10, 6, block()) == blocks_of(data(4, 16), 10, 6, block()));
}

TEST_CASE_METHOD(Conformance, "Dataset Management deallocate reads back zeros when DLFEAT says so "
                 "(NVM 1.0 3.2.3)", "[conformance][io]") {
  if ((first_ns.dlfeat & 0x7) != 1) {
    WARN("DLFEAT does not promise zeros for deallocated blocks: nothing to check");
    return;
  }
  fill(*io1, 500, 16, 5);
  const std::vector<nvme::DsmRange> ranges{{0, 4, 500}, {0, 2, 510}};
  auto request = nvme::build_deallocate(io1->nsid, ranges);
  REQUIRE(request.has_value());
  REQUIRE(nvme::execute(device(), {request->sqe, request->ranges}).status == Status::success());
  const Bytes after = read(*io1, 500, 16);
  const Bytes before = data(5, 16);
  CHECK(blocks_of(after, 0, 4, block()) == Bytes(4 * block(), 0));
  CHECK(blocks_of(after, 4, 6, block()) == blocks_of(before, 4, 6, block()));
  CHECK(blocks_of(after, 10, 2, block()) == Bytes(2 * block(), 0));
  CHECK(blocks_of(after, 12, 4, block()) == blocks_of(before, 12, 4, block()));
}

TEST_CASE_METHOD(Conformance, "Compare: match -> success, miscompare -> SCT 2h SC 85h Compare "
                 "Failure (NVM 1.0 3.2.1)", "[conformance][io]") {
  Bytes stored = fill(*io1, 600, 4, 6);
  CHECK(nvme::execute(device(), {must(nvme::build_compare(io1->nsid, 600, 4)), stored}).status ==
        Status::success());
  stored[3 * block() + 17] ^= 0x01;
  const auto c = nvme::execute(device(), {must(nvme::build_compare(io1->nsid, 600, 4)), stored});
  CHECK(c.status.sct == 2);
  CHECK(c.status.sc == nvme::kScCompareFailure);
}

TEST_CASE_METHOD(Conformance, "Errors: LBA past NSZE -> 0x4080, inactive NSID -> 0x400B, unknown "
                 "opcode -> 0x4001 (Base 2.0 generic status)", "[conformance][io]") {
  Bytes one(block());
  Bytes two(2 * block());
  const auto past = nvme::execute(
      device(), {must(nvme::build_read(io1->nsid, first_ns.nsze - 1, 2)), two});
  CHECK(past.status == Status::lba_out_of_range());
  const auto at_end = nvme::execute(device(), {must(nvme::build_read(io1->nsid, first_ns.nsze, 1)), one});
  CHECK(at_end.status == Status::lba_out_of_range());
  const auto bad_ns = nvme::execute(device(), {must(nvme::build_read(0x0000FFF0, 0, 1)), one});
  CHECK(bad_ns.status == Status::invalid_namespace_or_format());
  nvme::SubmissionEntry unknown;
  unknown.opcode = 0x7C;  // reserved in NVM Command Set 1.0
  unknown.nsid = io1->nsid;
  CHECK(nvme::execute(device(), {unknown, {}}).status == Status::invalid_command_opcode());
}

// ESXi's ATS (VMFS heartbeat and locks) is COMPARE AND WRITE: lost updates here mean two
// hosts both believe they own a lock.
TEST_CASE_METHOD(Conformance, "Fused Compare and Write is atomic under concurrent contenders: "
                 "no lost increment (Base 2.0 3.4.2)", "[conformance][fused]") {
  if (!controller.supports_compare_and_write()) return;
  constexpr std::uint64_t kLba = 700;
  constexpr int kThreads = 4;
  constexpr int kIncrements = 25;
  const auto encode = [this](std::uint32_t v) {
    Bytes b(block());
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * (i % 4)));
    return b;
  };
  Bytes zero = encode(0);
  REQUIRE(io1->write(kLba, zero).status == Status::success());
  std::atomic<int> successes{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int done = 0; done < kIncrements;) {
        Bytes current(block());
        nvme::execute(device(), {must(nvme::build_read(io1->nsid, kLba, 1)), current});
        std::uint32_t value = 0;
        for (int i = 3; i >= 0; --i) value = (value << 8) | current[static_cast<std::size_t>(i)];
        Bytes next = encode(value + 1);
        auto pair = nvme::build_compare_and_write(io1->nsid, kLba, 1);
        if (!pair) { ++unexpected; return; }
        std::mutex m;
        std::condition_variable cv;
        bool finished = false;
        nvme::Completion result;
        device().submit_fused({pair->compare, current}, {pair->write, next},
                              [&](const nvme::Completion& c) {
                                std::lock_guard lock(m);
                                result = c;
                                finished = true;
                                cv.notify_one();
                              });
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return finished; });
        if (result.status.ok()) {
          ++done;
          ++successes;
        } else if (!(result.status.sct == 2 && result.status.sc == nvme::kScCompareFailure)) {
          ++unexpected;
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(unexpected == 0);
  CHECK(successes == kThreads * kIncrements);
  CHECK(io1->read(kLba, 1) == encode(static_cast<std::uint32_t>(kThreads * kIncrements)));
}


TEST_CASE_METHOD(Conformance, "Fused Compare and Write: of 16 pairs in flight that expect the same "
                 "old value exactly one succeeds, the rest miscompare (Base 2.0 3.4.2)",
                 "[conformance][fused]") {
  if (!controller.supports_compare_and_write()) return;
  constexpr std::uint64_t kLba = 710;
  constexpr std::size_t kPairs = 16;
  // Large pairs (up to 128 KiB, within MDTS): a longer compare-to-write window makes a
  // non-atomic device fail sooner.
  const std::uint32_t mdts_blocks =
      controller.mdts == 0 ? 256U : (4096U << std::min<unsigned>(controller.mdts, 8U)) / block();
  const std::uint32_t kBlocks = std::min(256U, mdts_blocks);
  auto pair = nvme::build_compare_and_write(io1->nsid, kLba, kBlocks);
  REQUIRE(pair.has_value());
  for (std::uint32_t round = 0; round < 40; ++round) {
    Bytes old_value = data(1000 + round, kBlocks);
    REQUIRE(io1->write(kLba, old_value).status == Status::success());
    std::vector<Bytes> expected(kPairs, old_value);
    std::vector<Bytes> next;
    for (std::size_t i = 0; i < kPairs; ++i) {
      next.push_back(data(static_cast<std::uint32_t>(2000 + round * kPairs + i), kBlocks));
    }
    std::mutex m;
    std::condition_variable cv;
    std::size_t left = kPairs;
    std::vector<nvme::Completion> results(kPairs);
    for (std::size_t i = 0; i < kPairs; ++i) {
      device().submit_fused({pair->compare, expected[i]}, {pair->write, next[i]},
                            [&, i](const nvme::Completion& c) {
                              std::lock_guard lock(m);
                              results[i] = c;
                              if (--left == 0) cv.notify_one();
                            });
    }
    {
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return left == 0; });
    }
    std::size_t winners = 0;
    std::size_t winner = 0;
    for (std::size_t i = 0; i < kPairs; ++i) {
      if (results[i].status.ok()) {
        ++winners;
        winner = i;
      } else {
        CHECK(results[i].status.sct == 2);
        CHECK(results[i].status.sc == nvme::kScCompareFailure);
      }
    }
    REQUIRE(winners == 1);
    CHECK(io1->read(kLba, kBlocks) == next[winner]);
  }
}

}  // namespace
}  // namespace xg::test
