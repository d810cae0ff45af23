// EmulatedDevice: backing files, identify data, command checks and the threading contract
// of nvme::Device (device.h). Behaviour shared with real devices is in the conformance
// suite (tests/nvme/conformance/); this file covers what only the emulation has.
#include "nvme/emulated_device.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <chrono>
#include <thread>

#include "tests/nvme/conformance/conformance_support.h"

namespace xg::test {
namespace {

using nvme::Completion;
using nvme::EmulatedDevice;
using nvme::EmulatedDeviceConfig;
using nvme::Status;

EmulatedDeviceConfig one_namespace(const TempDir& dir, std::uint64_t capacity = 4096,
                                   std::uint32_t lba_size = 512) {
  EmulatedDeviceConfig config;
  nvme::EmulatedNamespaceConfig ns;
  ns.nsid = 1;
  ns.path = dir.file("ns1.img");
  ns.capacity = capacity;
  ns.lba_size = lba_size;
  config.namespaces.push_back(ns);
  return config;
}

std::unique_ptr<EmulatedDevice> make(EmulatedDeviceConfig config) {
  auto device = EmulatedDevice::create(std::move(config));
  if (!device) FAIL(device.error().path << ": " << device.error().why);
  return std::move(device).value();
}

TEST_CASE("Emulated: data written and flushed survives destroying and recreating the device "
          "over the same file", "[nvme][emulated]") {
  TempDir dir;
  const Bytes data = pattern(1, 8, 512);
  {
    auto device = make(one_namespace(dir));
    NamespaceIo io{*device, 1, 512};
    Bytes copy = data;
    REQUIRE(io.write(40, copy).status == Status::success());
    REQUIRE(nvme::execute(*device, {nvme::build_flush(1), {}}).status == Status::success());
  }
  auto device = make(one_namespace(dir));
  CHECK(NamespaceIo{*device, 1, 512}.read(40, 8) == data);
}

TEST_CASE("Emulated: a missing backing file is created sparse with capacity x LBA size bytes",
          "[nvme][emulated]") {
  TempDir dir;
  auto device = make(one_namespace(dir, 1U << 20, 4096));  // 4 GiB
  struct stat st {};
  REQUIRE(::stat(dir.file("ns1.img").c_str(), &st) == 0);
  CHECK(static_cast<std::uint64_t>(st.st_size) == (std::uint64_t{1} << 32));
  CHECK(st.st_blocks < 1024);  // nothing allocated yet
  const auto id = namespace_of(*device, 1);
  CHECK(id.nsze == (1U << 20));
  CHECK(id.logical_block_size() == 4096);
}

TEST_CASE("Emulated: an existing file whose size disagrees with the config is refused and left "
          "untouched", "[nvme][emulated]") {
  TempDir dir;
  { auto device = make(one_namespace(dir, 1024)); }
  auto again = EmulatedDevice::create(one_namespace(dir, 2048));
  REQUIRE(!again.has_value());
  CHECK(again.error().path == dir.file("ns1.img"));
  CHECK(again.error().why.find("524288 bytes") != std::string::npos);
  CHECK(again.error().why.find("1048576") != std::string::npos);
  struct stat st {};
  REQUIRE(::stat(dir.file("ns1.img").c_str(), &st) == 0);
  CHECK(st.st_size == 1024 * 512);
}

TEST_CASE("Emulated: invalid configurations are refused with a reason", "[nvme][emulated]") {
  TempDir dir;
  SECTION("no namespaces") { CHECK(!EmulatedDevice::create({}).has_value()); }
  SECTION("LBA size 1000") {
    auto r = EmulatedDevice::create(one_namespace(dir, 16, 1000));
    REQUIRE(!r.has_value());
    CHECK(r.error().why == "LBA size must be 512 or 4096");
  }
  SECTION("duplicate NSID") {
    auto config = one_namespace(dir);
    config.namespaces.push_back(config.namespaces.front());
    config.namespaces.back().path = dir.file("other.img");
    auto r = EmulatedDevice::create(config);
    REQUIRE(!r.has_value());
    CHECK(r.error().why == "NSID 1 is invalid or duplicate");
  }
  SECTION("capacity 0") { CHECK(!EmulatedDevice::create(one_namespace(dir, 0)).has_value()); }
}

TEST_CASE("Emulated: Identify Controller advertises ONCS, FUSES, VWC, MDTS and OCFS 0h/1h "
          "(2h/3h only with cross_namespace_copy)", "[nvme][emulated][identify]") {
  TempDir dir;
  auto config = one_namespace(dir);
  const bool cross = GENERATE(false, true);
  config.controller.cross_namespace_copy = cross;
  config.controller.mdts = 5;
  auto device = make(config);
  const auto id = controller_of(*device);
  CHECK(id.mn == "xgate emulated NVMe");
  CHECK(id.oncs == (nvme::kOncsCompare | nvme::kOncsWriteZeroes | nvme::kOncsDatasetManagement |
                    nvme::kOncsVerify | nvme::kOncsCopy));
  CHECK(id.fuses == nvme::kFusesCompareAndWrite);
  CHECK(id.vwc == 1);
  CHECK(id.mdts == 5);
  CHECK(id.nn == 1);
  CHECK(id.ocfs == (cross ? 0x000F : 0x0003));
  CHECK(device->namespace_ids() == std::vector<std::uint32_t>{1});
  CHECK(device->name() == "emulated:" + std::filesystem::path(dir.file("ns1.img")).parent_path().string());
}

TEST_CASE("Emulated: a data buffer that is not NLB x LBA size, or a transfer above MDTS, -> 0x4002 "
          "Invalid Field", "[nvme][emulated]") {
  TempDir dir;
  auto config = one_namespace(dir);
  config.controller.mdts = 1;  // 2 x 4 KiB = 16 blocks of 512
  auto device = make(config);
  Bytes short_buffer(511);
  CHECK(nvme::execute(*device, {must(nvme::build_write(1, 0, 1)), short_buffer}).status ==
        Status::invalid_field_in_command());
  Bytes sixteen(16 * 512);
  CHECK(nvme::execute(*device, {must(nvme::build_read(1, 0, 16)), sixteen}).status ==
        Status::success());
  Bytes seventeen(17 * 512);
  CHECK(nvme::execute(*device, {must(nvme::build_read(1, 0, 17)), seventeen}).status ==
        Status::invalid_field_in_command());
}

TEST_CASE("Emulated: a lone fused half through submit() -> 0x000A Aborted due to Missing Fused "
          "Command", "[nvme][emulated][fused]") {
  TempDir dir;
  auto device = make(one_namespace(dir));
  auto pair = nvme::build_compare_and_write(1, 0, 1);
  REQUIRE(pair.has_value());
  Bytes block(512);
  CHECK(nvme::execute(*device, {pair->compare, block}).status ==
        Status::generic(nvme::kScCommandAbortedDueToMissingFusedCommand, false));
}

TEST_CASE("Emulated: fused Compare+Write miscompare -> 0x4285 and the Write is not done",
          "[nvme][emulated][fused]") {
  TempDir dir;
  auto device = make(one_namespace(dir));
  NamespaceIo io{*device, 1, 512};
  Bytes old_data = pattern(2, 1, 512);
  REQUIRE(io.write(9, old_data).status == Status::success());
  auto pair = nvme::build_compare_and_write(1, 9, 1);
  REQUIRE(pair.has_value());
  Bytes wrong = pattern(3, 1, 512);
  Bytes replacement = pattern(4, 1, 512);
  std::atomic<bool> ran{false};
  Completion result;
  device->submit_fused({pair->compare, wrong}, {pair->write, replacement},
                       [&](const Completion& c) {
                         result = c;
                         ran = true;
                       });
  while (!ran) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(result.status == Status::media(nvme::kScCompareFailure, true));
  CHECK(io.read(9, 1) == old_data);
}

TEST_CASE("Emulated: handlers run on a device thread, never inside submit()",
          "[nvme][emulated][threading]") {
  TempDir dir;
  auto device = make(one_namespace(dir));
  const auto test_thread = std::this_thread::get_id();
  std::atomic<int> on_test_thread{0};
  std::atomic<int> completed{0};
  std::vector<Bytes> buffers(64, Bytes(512));
  for (auto& b : buffers) {
    device->submit({must(nvme::build_read(1, 0, 1)), b}, [&](const Completion& c) {
      if (std::this_thread::get_id() == test_thread) ++on_test_thread;
      if (c.status.ok()) ++completed;
    });
  }
  device.reset();
  CHECK(on_test_thread == 0);
  CHECK(completed == 64);
}

TEST_CASE("Emulated: destroying the device waits for every queued command and runs its handler",
          "[nvme][emulated][threading]") {
  TempDir dir;
  auto config = one_namespace(dir);
  config.controller.threads = 1;
  auto device = make(config);
  std::atomic<int> completed{0};
  std::vector<Bytes> buffers;
  for (int i = 0; i < 200; ++i) buffers.push_back(pattern(static_cast<std::uint32_t>(i), 1, 512));
  for (int i = 0; i < 200; ++i) {
    device->submit({must(nvme::build_write(1, static_cast<std::uint64_t>(i), 1)),
                    buffers[static_cast<std::size_t>(i)]},
                   [&](const Completion& c) {
                     if (c.status.ok()) ++completed;
                   });
  }
  device.reset();
  CHECK(completed == 200);
  auto reopened = make(one_namespace(dir));
  CHECK(NamespaceIo{*reopened, 1, 512}.read(199, 1) == buffers[199]);
}

// Writes `bytes` from LBA 0, 16 blocks per write (MDTS-sized requests).
void write_all(const NamespaceIo& io, const Bytes& bytes) {
  for (std::size_t offset = 0; offset < bytes.size(); offset += 16 * 512) {
    const std::size_t n = std::min<std::size_t>(16 * 512, bytes.size() - offset);
    Bytes part(bytes.begin() + static_cast<std::ptrdiff_t>(offset),
               bytes.begin() + static_cast<std::ptrdiff_t>(offset + n));
    REQUIRE(io.write(offset / 512, part).status == Status::success());
  }
}

// The destination's bytes as a flat vector, 16 blocks per read (MDTS-sized requests).
Bytes read_all(const NamespaceIo& io, std::uint64_t blocks) {
  Bytes out;
  for (std::uint64_t lba = 0; lba < blocks; lba += 16) {
    const Bytes part = io.read(lba, 16);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

TEST_CASE("Emulated: overlapping Copy larger than the 1 MiB bounce buffer behaves like memmove, "
          "both directions", "[nvme][emulated][copy]") {
  TempDir dir;
  auto config = one_namespace(dir, 16384);
  config.namespaces[0].mssrl = 8192;
  config.namespaces[0].mcl = 8192;
  auto device = make(config);
  NamespaceIo io{*device, 1, 512};
  const std::int64_t shift = GENERATE(1, -1, 4000, -4000);
  constexpr std::uint64_t kBase = 5000;
  constexpr std::uint32_t kBlocks = 6000;  // 3,072,000 bytes: three bounce chunks
  Bytes before = pattern(7, 16384, 512);
  write_all(io, before);
  const auto sdlba = static_cast<std::uint64_t>(static_cast<std::int64_t>(kBase) + shift);
  REQUIRE(io.copy(sdlba, {range(kBase, kBlocks)}).status == Status::success());
  Bytes expected = before;
  std::memmove(expected.data() + sdlba * 512, before.data() + kBase * 512, kBlocks * 512);
  CHECK(first_difference(read_all(io, 16384), expected) == -1);
}

TEST_CASE("Emulated: Copy ranges contiguous in the source, broken by a gap, give the same bytes "
          "as range-by-range copies", "[nvme][emulated][copy]") {
  TempDir dir;
  auto device = make(one_namespace(dir));
  NamespaceIo io{*device, 1, 512};
  Bytes before = pattern(11, 256, 512);
  write_all(io, before);
  // Runs [0,24) and [100,116) then [30,31): three copy_file_range calls.
  const auto c = io.copy(
      1000, {range(0, 8), range(8, 8), range(16, 8), range(100, 8), range(108, 8), range(30, 1)});
  REQUIRE(c.status == Status::success());
  Bytes expected(41 * 512);
  const auto at = [&](std::uint64_t lba) {
    return before.begin() + static_cast<std::ptrdiff_t>(lba * 512);
  };
  std::copy(at(0), at(24), expected.begin());
  std::copy(at(100), at(116), expected.begin() + 24 * 512);
  std::copy(at(30), at(31), expected.begin() + 40 * 512);
  Bytes after;
  for (std::uint64_t lba = 1000; lba < 1041; ++lba) {
    const Bytes one = io.read(lba, 1);
    after.insert(after.end(), one.begin(), one.end());
  }
  CHECK(first_difference(after, expected) == -1);
}

TEST_CASE("Emulated: contiguous source ranges whose run overlaps the destination are still copied "
          "range by range, each a memmove", "[nvme][emulated][copy]") {
  TempDir dir;
  auto device = make(one_namespace(dir));
  NamespaceIo io{*device, 1, 512};
  Bytes before = pattern(12, 64, 512);
  write_all(io, before);
  // Range 0 ([0,8) -> [8,16)) overwrites range 1's source before range 1 ([8,16) ->
  // [16,24)) reads it, so blocks 16..23 receive what was at 0..7, not at 8..15.
  REQUIRE(io.copy(8, {range(0, 8), range(8, 8)}).status == Status::success());
  Bytes expected = before;
  std::copy(before.begin(), before.begin() + 8 * 512, expected.begin() + 8 * 512);
  std::copy(before.begin(), before.begin() + 8 * 512, expected.begin() + 16 * 512);
  CHECK(first_difference(read_all(io, 64), expected) == -1);
}

TEST_CASE("Emulated: a write failure inside a merged run of contiguous ranges -> 0x0280 Write "
          "Fault, DW0 = the first range not fully copied, earlier ranges copied",
          "[nvme][emulated][copy]") {
  TempDir dir;
  auto device = make(one_namespace(dir));
  NamespaceIo io{*device, 1, 512};
  Bytes source = pattern(13, 64, 512);
  write_all(io, source);
  // RLIMIT_FSIZE at destination block 1024 + 20: the kernel shortens copy_file_range there
  // and then refuses with EFBIG (so does pwrite), inside range 2 of 8-block ranges.
  const std::uint32_t failing = GENERATE(2U, 0U, 7U);
  const std::uint64_t limit_blocks = 1024 + failing * 8 + 4;
  struct rlimit saved {};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limited = saved;
  limited.rlim_cur = limit_blocks * 512;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
  std::vector<nvme::SourceRange> ranges;
  for (std::uint32_t k = 0; k < 8; ++k) ranges.push_back(range(k * 8, 8));
  const Completion c = io.copy(1024, ranges);
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  CHECK(c.status == Status::media(nvme::kScWriteFault, false));
  CHECK(c.dw0 == failing);
  if (failing > 0) {
    const Bytes copied = io.read(1024, failing * 8);
    const Bytes expected(source.begin(), source.begin() + std::ptrdiff_t{failing} * 8 * 512);
    CHECK(first_difference(copied, expected) == -1);
  }
}

TEST_CASE("Emulated: Dataset Management without AD changes nothing, a range past NSZE -> 0x4080",
          "[nvme][emulated]") {
  TempDir dir;
  auto device = make(one_namespace(dir));
  NamespaceIo io{*device, 1, 512};
  Bytes data = pattern(8, 4, 512);
  REQUIRE(io.write(0, data).status == Status::success());
  Bytes ranges = nvme::encode_dsm_ranges(std::vector<nvme::DsmRange>{{0, 4, 0}});
  nvme::SubmissionEntry hint;
  hint.opcode = nvme::kOpcodeDatasetManagement;
  hint.nsid = 1;
  hint.cdw11 = 0x1;  // IDR only
  CHECK(nvme::execute(*device, {hint, ranges}).status == Status::success());
  CHECK(io.read(0, 4) == data);
  Bytes past = nvme::encode_dsm_ranges(std::vector<nvme::DsmRange>{{0, 2, 4095}});
  hint.cdw11 = 0x4;
  CHECK(nvme::execute(*device, {hint, past}).status == Status::lba_out_of_range());
}

}  // namespace
}  // namespace xg::test
