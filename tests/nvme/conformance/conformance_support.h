// Helpers for tests written against any nvme::Device: synchronous and batched I/O,
// data patterns, Copy builders, identify lookups, and readable Catch2 output for status.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "nvme/copy_command.h"
#include "nvme/device.h"
#include "nvme/identify.h"
#include "nvme/io_commands.h"
#include "tests/support/catch.h"
#include "tests/support/vectors.h"

namespace Catch {
template <>
struct StringMaker<xg::nvme::Status> {
  static std::string convert(const xg::nvme::Status& s) { return xg::nvme::describe(s); }
};
template <>
struct StringMaker<xg::nvme::Completion> {
  static std::string convert(const xg::nvme::Completion& c) {
    return xg::nvme::describe(c.status) + " DW0=" + std::to_string(c.dw0);
  }
};
}  // namespace Catch

namespace xg::test {

// Offset of the first differing byte (the shorter size if one is a prefix), or -1 when
// equal. Large buffers are compared with this so a failure prints one number, not a
// megabyte vector.
inline std::ptrdiff_t first_difference(const Bytes& x, const Bytes& y) {
  const std::size_t n = std::min(x.size(), y.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return static_cast<std::ptrdiff_t>(i);
  }
  return x.size() == y.size() ? -1 : static_cast<std::ptrdiff_t>(n);
}

// Deterministic, block-distinct data: every block carries its seed and index, so a
// misplaced block shows up as a mismatch.
inline Bytes pattern(std::uint32_t seed, std::size_t blocks, std::size_t block_size) {
  Bytes out(blocks * block_size);
  std::uint32_t x = seed * 2654435761U + 1;
  for (std::size_t i = 0; i < out.size(); ++i) {
    x = x * 1664525U + 1013904223U;
    out[i] = static_cast<std::uint8_t>(x >> 24);
  }
  return out;
}

inline nvme::SubmissionEntry must(nvme::ParseResult<nvme::SubmissionEntry> r) {
  REQUIRE(r.has_value());
  return r.value();
}

// Synchronous helpers (nvme::execute) over one namespace.
struct NamespaceIo {
  nvme::Device& device;
  std::uint32_t nsid;
  std::uint32_t block_size;

  nvme::Completion write(std::uint64_t lba, Bytes& data) const {
    const auto blocks = static_cast<std::uint32_t>(data.size() / block_size);
    return nvme::execute(device, {must(nvme::build_write(nsid, lba, blocks)), data});
  }
  Bytes read(std::uint64_t lba, std::size_t blocks) const {
    Bytes out(blocks * block_size, 0xEE);
    const auto c = nvme::execute(
        device, {must(nvme::build_read(nsid, lba, static_cast<std::uint32_t>(blocks))), out});
    REQUIRE(c.status == nvme::Status::success());
    return out;
  }
  nvme::Completion copy(std::uint64_t sdlba, const std::vector<nvme::SourceRange>& ranges,
                        std::uint8_t desfmt = nvme::kDescriptorFormat0) const {
    nvme::CopyCommand cmd;
    cmd.nsid = nsid;
    cmd.sdlba = sdlba;
    cmd.desfmt = desfmt;
    auto request = nvme::build_copy(cmd, ranges);
    REQUIRE(request.has_value());
    return nvme::execute(device, {request->sqe, request->descriptors});
  }
};

inline nvme::SourceRange range(std::uint64_t slba, std::uint32_t blocks,
                               std::uint32_t snsid = 0) {
  nvme::SourceRange r;
  r.slba = slba;
  r.nlb = static_cast<std::uint16_t>(blocks - 1);
  r.snsid = snsid;
  return r;
}

// Runs `commands` with all of them in flight at once; returns their completions in order.
inline std::vector<nvme::Completion> run_in_flight(nvme::Device& device,
                                                  std::vector<nvme::Command> commands) {
  std::mutex mutex;
  std::condition_variable cv;
  std::size_t left = commands.size();
  std::vector<nvme::Completion> results(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    device.submit(commands[i], [&, i](const nvme::Completion& c) {
      std::lock_guard lock(mutex);
      results[i] = c;
      if (--left == 0) cv.notify_one();
    });
  }
  std::unique_lock lock(mutex);
  cv.wait(lock, [&] { return left == 0; });
  return results;
}

inline nvme::IdentifyController controller_of(nvme::Device& device) {
  auto id = nvme::decode_identify_controller(device.identify_controller());
  REQUIRE(id.has_value());
  return id.value();
}

inline nvme::IdentifyNamespace namespace_of(nvme::Device& device, std::uint32_t nsid) {
  auto id = nvme::decode_identify_namespace(device.identify_namespace(nsid));
  REQUIRE(id.has_value());
  return id.value();
}

// QEMU's emulated controller (PCI vendor 1B36h, Red Hat / QEMU; model "QEMU NVMe Ctrl").
// Its 7.2 release reports asynchronous Copy failures as 0x0006 (hw/nvme/ctrl.c
// nvme_aio_err() has no Copy case; fixed in QEMU 8.1).
inline bool is_qemu(const nvme::IdentifyController& id) {
  return id.vid == 0x1B36 || id.mn == "QEMU NVMe Ctrl";
}

// A fresh directory under $TMPDIR, removed (with its files) on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "xg-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace xg::test
