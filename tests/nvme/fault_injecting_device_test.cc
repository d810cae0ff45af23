// FaultInjectingDevice over an EmulatedDevice: every rule kind, qemu72 mode (QEMU 7.2
// hw/nvme/ctrl.c, measured on 7.2.22) and the Device threading contract of the wrapper.
#include "nvme/fault_injecting_device.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "nvme/emulated_device.h"
#include "tests/nvme/conformance/conformance_support.h"

namespace xg::test {
namespace {

using nvme::Completion;
using nvme::FaultInjectingDevice;
using nvme::FaultRule;
using nvme::Status;
using std::chrono::milliseconds;

// An emulated namespace with small copy limits (MSSRL 16, MCL 32, MSRC 3: the second
// namespace of the QEMU 7.2 guest, mssrl=16,mcl=32,msrc=3) wrapped by the fault injector.
struct Rig {
  TempDir dir;
  std::unique_ptr<nvme::EmulatedDevice> inner;
  std::unique_ptr<FaultInjectingDevice> faults;
  std::unique_ptr<NamespaceIo> io;

  Rig() {
    nvme::EmulatedDeviceConfig config;
    nvme::EmulatedNamespaceConfig ns;
    ns.nsid = 1;
    ns.path = dir.file("ns1.img");
    ns.capacity = 4096;
    ns.mssrl = 16;
    ns.mcl = 32;
    ns.msrc = 3;
    config.namespaces.push_back(ns);
    auto device = nvme::EmulatedDevice::create(config);
    REQUIRE(device.has_value());
    inner = std::move(device).value();
    faults = std::make_unique<FaultInjectingDevice>(*inner);
    io = std::make_unique<NamespaceIo>(NamespaceIo{*faults, 1, 512});
  }
  Bytes fill(std::uint64_t lba, std::size_t blocks, std::uint32_t seed) {
    Bytes d = pattern(seed, blocks, 512);
    Bytes copy = d;
    REQUIRE(NamespaceIo{*inner, 1, 512}.write(lba, copy).status == Status::success());
    return d;
  }
  Bytes read(std::uint64_t lba, std::size_t blocks) {
    return NamespaceIo{*inner, 1, 512}.read(lba, blocks);
  }
};

const Status kMediaError = Status::media(nvme::kScUnrecoveredReadError, false);

TEST_CASE("Faults: fail the k-th command of an opcode with a chosen status and DW0, others pass",
          "[nvme][faults]") {
  Rig rig;
  rig.faults->add_rule(FaultRule::fail_command(2, kMediaError, 77, nvme::kOpcodeWrite));
  Bytes a = pattern(1, 1, 512);
  Bytes b = pattern(2, 1, 512);
  Bytes c = pattern(3, 1, 512);
  CHECK(rig.io->write(10, a).status == Status::success());
  const Completion failed = rig.io->write(11, b);
  CHECK(failed == Completion{kMediaError, 77, 0});
  CHECK(rig.io->write(12, c).status == Status::success());
  CHECK(rig.read(11, 1) == Bytes(512, 0));  // the failed write never reached the device
  CHECK(rig.read(12, 1) == c);
  rig.io->read(10, 1);
  CHECK(rig.faults->commands_seen(nvme::kOpcodeWrite) == 3);
  CHECK(rig.faults->commands_seen(nvme::kOpcodeRead) == 1);
  CHECK(rig.faults->commands_seen(nvme::kOpcodeCopy) == 0);
}

TEST_CASE("Faults: nth 0 fails every matching command until the rules are cleared",
          "[nvme][faults]") {
  Rig rig;
  rig.faults->add_rule(FaultRule::fail_command(0, Status::internal_error(), 0, nvme::kOpcodeRead));
  Bytes buffer(512);
  for (int i = 0; i < 3; ++i) {
    CHECK(nvme::execute(*rig.faults, {must(nvme::build_read(1, 0, 1)), buffer}).status ==
          Status::internal_error());
  }
  rig.faults->clear_rules();
  CHECK(nvme::execute(*rig.faults, {must(nvme::build_read(1, 0, 1)), buffer}).status ==
        Status::success());
}

TEST_CASE("Faults: fail a Copy at range k -> ranges 0..k-1 copied, DW0 = k, the rest untouched",
          "[nvme][faults][copy]") {
  Rig rig;
  const Bytes src = rig.fill(100, 8, 4);
  const Bytes before = rig.fill(1000, 8, 5);
  const std::uint32_t k = GENERATE(0U, 1U, 2U, 3U);
  rig.faults->add_rule(FaultRule::fail_copy_at_range(1, k, kMediaError));
  const std::vector<nvme::SourceRange> ranges{range(100, 2), range(102, 2), range(104, 2),
                                              range(106, 2)};
  const Completion c = rig.io->copy(1000, ranges);
  CHECK(c == Completion{kMediaError, k, 0});
  const Bytes after = rig.read(1000, 8);
  CHECK(Bytes(after.begin(), after.begin() + k * 1024) == Bytes(src.begin(), src.begin() + k * 1024));
  CHECK(Bytes(after.begin() + k * 1024, after.end()) ==
        Bytes(before.begin() + k * 1024, before.end()));
  // The next Copy is not affected (nth 1 fired once).
  CHECK(rig.io->copy(1000, ranges).status == Status::success());
  CHECK(rig.read(1000, 8) == src);
}

TEST_CASE("Faults: latency delays the k-th command only", "[nvme][faults]") {
  Rig rig;
  rig.faults->add_rule(FaultRule::latency_for(milliseconds(150), 1));
  Bytes buffer(512);
  const auto start = std::chrono::steady_clock::now();
  CHECK(nvme::execute(*rig.faults, {must(nvme::build_read(1, 0, 1)), buffer}).status ==
        Status::success());
  const auto first = std::chrono::steady_clock::now() - start;
  CHECK(first >= milliseconds(150));  // a lower bound: no load can make a delay shorter
  CHECK(rig.faults->delayed_count() == 1);
  CHECK(nvme::execute(*rig.faults, {must(nvme::build_read(1, 0, 1)), buffer}).status ==
        Status::success());
  // Whether the second was delayed is counted, not timed: a loaded machine may take any
  // time to serve it.
  CHECK(rig.faults->delayed_count() == 1);
}

TEST_CASE("Faults: a held command never completes until release_held() -> 0x0007 Command Abort "
          "Requested", "[nvme][faults][hold]") {
  Rig rig;
  rig.faults->add_rule(FaultRule::hold(1));
  Bytes buffer(512);
  std::atomic<bool> ran{false};
  Completion result;
  rig.faults->submit({must(nvme::build_read(1, 0, 1)), buffer}, [&](const Completion& c) {
    result = c;
    ran = true;
  });
  std::this_thread::sleep_for(milliseconds(100));
  CHECK(!ran.load());
  CHECK(rig.faults->held_count() == 1);
  CHECK(rig.faults->release_held() == 1);
  while (!ran) std::this_thread::sleep_for(milliseconds(1));
  CHECK(result.status == Status::generic(nvme::kScCommandAbortRequested, false));
  CHECK(rig.faults->held_count() == 0);
}

TEST_CASE("Faults: hold_from(3) lets the first two commands through and holds every later one",
          "[nvme][faults][hold]") {
  Rig rig;
  rig.faults->add_rule(FaultRule::hold_from(3, nvme::kOpcodeRead));
  Bytes buffer(512);
  for (int i = 0; i < 2; ++i) {
    CHECK(nvme::execute(*rig.faults, {must(nvme::build_read(1, 0, 1)), buffer}).status ==
          Status::success());
  }
  std::vector<Bytes> buffers(3, Bytes(512));
  std::atomic<int> aborted{0};
  for (auto& b : buffers) {
    rig.faults->submit({must(nvme::build_read(1, 0, 1)), b}, [&](const Completion& c) {
      if (c.status == Status::generic(nvme::kScCommandAbortRequested, false)) ++aborted;
    });
  }
  // Held at submission (decided under the device's lock before submit() returns).
  CHECK(rig.faults->held_count() == 3);
  CHECK(aborted == 0);
  CHECK(rig.faults->release_held() == 3);
  rig.faults.reset();  // waits for the released completions
  CHECK(aborted == 3);
}

TEST_CASE("Faults: destruction completes held commands (0x0007) and waits for delayed and "
          "in-flight ones", "[nvme][faults][threading]") {
  Rig rig;
  rig.faults->add_rule(FaultRule::hold(1));
  rig.faults->add_rule(FaultRule::latency_for(milliseconds(50), 0));
  std::atomic<int> aborted{0};
  std::atomic<int> succeeded{0};
  std::vector<Bytes> buffers(20, Bytes(512));
  const auto test_thread = std::this_thread::get_id();
  std::atomic<int> on_test_thread{0};
  for (auto& b : buffers) {
    rig.faults->submit({must(nvme::build_read(1, 0, 1)), b}, [&](const Completion& c) {
      if (std::this_thread::get_id() == test_thread) ++on_test_thread;
      if (c.status.ok()) ++succeeded;
      if (c.status.sc == nvme::kScCommandAbortRequested) ++aborted;
    });
  }
  rig.faults.reset();
  CHECK(aborted == 1);
  CHECK(succeeded == 19);
  CHECK(on_test_thread == 0);
}

TEST_CASE("Faults: an owned inner device is destroyed with the wrapper", "[nvme][faults]") {
  TempDir dir;
  nvme::EmulatedDeviceConfig config;
  config.namespaces.push_back({1, dir.file("ns.img"), 512, 64});
  auto device = nvme::EmulatedDevice::create(config);
  REQUIRE(device.has_value());
  FaultInjectingDevice faults(std::unique_ptr<nvme::Device>(std::move(device).value()));
  CHECK(faults.namespace_ids() == std::vector<std::uint32_t>{1});
  CHECK(faults.name().rfind("faults:emulated:", 0) == 0);
  Bytes buffer(512);
  CHECK(nvme::execute(faults, {must(nvme::build_read(1, 0, 1)), buffer}).status ==
        Status::success());
}

// ---- qemu72 mode: QEMU 7.2.22 as measured, on the guest's ns2 limits (MSSRL 16, MCL 32,
// MSRC 3).

TEST_CASE("qemu72: range 1 above MSSRL -> 0x0006 without DNR, DW0 1, range 0 copied (QEMU 7.2.22)",
          "[nvme][faults][qemu72]") {
  Rig rig;
  rig.faults->set_qemu72(true);
  const Bytes src = rig.fill(100, 30, 6);
  const Completion c = rig.io->copy(1000, {range(100, 8), range(108, 17)});
  CHECK(c == Completion{Status::internal_error(), 1, 0});
  CHECK(!c.status.dnr);
  CHECK(rig.read(1000, 8) == Bytes(src.begin(), src.begin() + 8 * 512));
}

TEST_CASE("qemu72: source past NSZE in range 1 -> 0x0006 DW0 1, destination past NSZE "
          "-> 0x0006 DW0 0 (QEMU 7.2.22)", "[nvme][faults][qemu72]") {
  Rig rig;
  rig.faults->set_qemu72(true);
  CHECK(rig.io->copy(1000, {range(100, 2), range(4095, 2)}) ==
        Completion{Status::internal_error(), 1, 0});
  CHECK(rig.io->copy(4095, {range(100, 2)}) == Completion{Status::internal_error(), 0, 0});
}

TEST_CASE("qemu72: command-level checks keep their status: NR > MSRC -> 0x4183, "
          "DESFMT 1h -> 0x410A, DESFMT 2h -> 0x4002 (QEMU 7.2.22)", "[nvme][faults][qemu72]") {
  Rig rig;
  rig.faults->set_qemu72(true);
  CHECK(rig.io->copy(1000, {range(0, 1), range(1, 1), range(2, 1), range(3, 1), range(4, 1)}) ==
        Completion{Status::command_size_limit_exceeded(), 0, 0});
  CHECK(rig.io->copy(1000, {range(0, 1)}, nvme::kDescriptorFormat1) ==
        Completion{Status::invalid_format(), 0, 0});
  CHECK(rig.io->copy(1000, {range(0, 1, 1)}, nvme::kDescriptorFormat2) ==
        Completion{Status::invalid_field_in_command(), 0, 0});
}

TEST_CASE("qemu72: MCL is not enforced: 3 x 16 = 48 blocks > MCL 32 copies (QEMU 7.2.22), without "
          "qemu72 the same Copy -> 0x4183", "[nvme][faults][qemu72]") {
  Rig rig;
  const Bytes src = rig.fill(100, 48, 7);
  const std::vector<nvme::SourceRange> ranges{range(100, 16), range(116, 16), range(132, 16)};
  CHECK(rig.io->copy(1000, ranges) == Completion{Status::command_size_limit_exceeded(), 0, 0});
  rig.faults->set_qemu72(true);
  CHECK(rig.io->copy(1000, ranges).status == Status::success());
  CHECK(rig.read(1000, 48) == src);
  // A failure in a later piece still reports its index in the whole command.
  CHECK(rig.io->copy(1000, {range(100, 16), range(116, 16), range(4090, 16)}) ==
        Completion{Status::internal_error(), 2, 0});
}

TEST_CASE("qemu72: an injected range failure is reported as 0x0006 with DW0 = k",
          "[nvme][faults][qemu72]") {
  Rig rig;
  rig.faults->set_qemu72(true);
  rig.faults->add_rule(FaultRule::fail_copy_at_range(1, 1, Status::media(nvme::kScWriteFault, false)));
  CHECK(rig.io->copy(1000, {range(100, 2), range(102, 2)}) ==
        Completion{Status::internal_error(), 1, 0});
}

TEST_CASE("Faults: fused pairs count both opcodes and can be failed", "[nvme][faults][fused]") {
  Rig rig;
  rig.faults->add_rule(FaultRule::fail_command(1, Status::internal_error(), 0, nvme::kOpcodeCompare));
  auto pair = nvme::build_compare_and_write(1, 5, 1);
  REQUIRE(pair.has_value());
  Bytes current(512);
  Bytes next = pattern(9, 1, 512);
  std::atomic<int> step{0};
  Completion result;
  rig.faults->submit_fused({pair->compare, current}, {pair->write, next}, [&](const Completion& c) {
    result = c;
    step = 1;
  });
  while (step == 0) std::this_thread::sleep_for(milliseconds(1));
  CHECK(result.status == Status::internal_error());
  rig.faults->submit_fused({pair->compare, current}, {pair->write, next}, [&](const Completion& c) {
    result = c;
    step = 2;
  });
  while (step == 1) std::this_thread::sleep_for(milliseconds(1));
  CHECK(result.status == Status::success());
  CHECK(rig.read(5, 1) == next);
  CHECK(rig.faults->commands_seen(nvme::kOpcodeCompare) == 2);
  CHECK(rig.faults->commands_seen(nvme::kOpcodeWrite) == 2);
}

}  // namespace
}  // namespace xg::test
