// Fuzz target: the NVMe data-buffer parsers (Copy source range descriptors 0h-3h and
// Dataset Management ranges, nvme/copy_command.h, nvme/io_commands.h) and the emulated
// controller executing what the host sends (nvme/emulated_device.h): a Copy, Dataset
// Management, Write Zeroes, Verify or Read with hostile CDW10-15 and a hostile descriptor
// buffer, on two small namespaces (512-byte LBAs, tight MSSRL/MCL/MSRC, cross-namespace
// copy on).
//
// Input: byte 0 picks the opcode, byte 1 the NSID (0..3: 0 and 3 are not active), bytes
// 2..25 are CDW10..CDW15 (little endian), the rest is the data buffer.
// Invariants: no crash/UB/hang; a decoded descriptor list re-encodes and decodes to the
// same ranges; every command completes exactly once; a successful Copy's DW0 is 0 and a
// failed one's DW0 names a range that exists.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "nvme/copy_command.h"
#include "nvme/emulated_device.h"
#include "nvme/io_commands.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace xg::nvme;

constexpr std::uint64_t kBlocks = 2048;  // 1 MiB of 512-byte blocks per namespace

EmulatedDevice& device() {
  static std::unique_ptr<EmulatedDevice> instance = [] {
    const char* dir = std::getenv("TMPDIR");
    const std::string base = std::string(dir != nullptr ? dir : "/tmp") + "/xg-nvme-copy-fuzz-" +
                             std::to_string(::getpid());
    EmulatedDeviceConfig config;
    config.controller.cross_namespace_copy = true;
    config.controller.threads = 1;
    for (std::uint32_t nsid : {1U, 2U}) {
      EmulatedNamespaceConfig ns;
      ns.nsid = nsid;
      ns.path = base + "-ns" + std::to_string(nsid) + ".img";
      ns.capacity = kBlocks;
      ns.mssrl = 64;
      ns.mcl = 256;
      ns.msrc = 7;
      ::unlink(ns.path.c_str());
      config.namespaces.push_back(ns);
    }
    auto created = EmulatedDevice::create(config);
    XG_FUZZ_CHECK(created.has_value());
    // The files stay open; unlinking them now leaves nothing behind when the fuzzer exits.
    for (const auto& ns : config.namespaces) ::unlink(ns.path.c_str());
    return std::move(created).value();
  }();
  return *instance;
}

std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}

void check_source_ranges(std::span<const std::uint8_t> bytes, std::uint8_t desfmt,
                         std::size_t count) {
  auto ranges = decode_source_ranges(bytes, desfmt, count);
  if (!ranges) {
    XG_FUZZ_CHECK(ranges.error().offset <= bytes.size());
    return;
  }
  XG_FUZZ_CHECK(ranges->size() == count);
  const auto encoded = encode_source_ranges(desfmt, *ranges);
  auto again = decode_source_ranges(encoded, desfmt, count);
  XG_FUZZ_CHECK(again.has_value() && *again == *ranges);
}

void check_dsm_ranges(std::span<const std::uint8_t> bytes, std::size_t count) {
  auto ranges = decode_dsm_ranges(bytes, count);
  if (!ranges) {
    XG_FUZZ_CHECK(ranges.error().offset <= bytes.size());
    return;
  }
  const auto encoded = encode_dsm_ranges(*ranges);
  auto again = decode_dsm_ranges(encoded, count);
  XG_FUZZ_CHECK(again.has_value() && *again == *ranges);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t kHeader = 26;
  if (size < kHeader) return 0;
  static constexpr std::uint8_t kOpcodes[] = {kOpcodeCopy, kOpcodeDatasetManagement,
                                              kOpcodeWriteZeroes, kOpcodeVerify, kOpcodeRead,
                                              kOpcodeCopy, kOpcodeCopy, kOpcodeCopy};
  SubmissionEntry sqe;
  sqe.opcode = kOpcodes[data[0] % std::size(kOpcodes)];
  sqe.nsid = data[1] % 4;
  sqe.cdw10 = le32(data + 2);
  sqe.cdw11 = le32(data + 6);
  sqe.cdw12 = le32(data + 10);
  sqe.cdw13 = le32(data + 14);
  sqe.cdw14 = le32(data + 18);
  sqe.cdw15 = le32(data + 22);
  std::vector<std::uint8_t> buffer(data + kHeader, data + size);

  // The pure parsers, with the count the SQE declares.
  if (sqe.opcode == kOpcodeCopy) {
    check_source_ranges(buffer, static_cast<std::uint8_t>((sqe.cdw12 >> 8) & 0x0F),
                        (sqe.cdw12 & 0xFF) + 1);
  } else if (sqe.opcode == kOpcodeDatasetManagement) {
    check_dsm_ranges(buffer, (sqe.cdw10 & 0xFF) + 1);
  }

  // A Read whose NLB does not match the buffer must be refused (0x4002), not overrun it.
  const Completion c = execute(device(), {sqe, buffer});
  if (sqe.opcode == kOpcodeCopy) {
    if (c.status.ok()) {
      XG_FUZZ_CHECK(c.dw0 == 0);
    } else {
      XG_FUZZ_CHECK(c.dw0 <= (sqe.cdw12 & 0xFF));
    }
  }
  return 0;
}
