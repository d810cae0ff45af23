// EmulatedNamespace: one NVM namespace kept in a sparse backing file. The storage half of
// EmulatedDevice (emulated_device.h); it knows blocks and bytes, not commands or status.
//
// The backing file holds capacity x lba_size bytes, block n at byte n x lba_size. It is
// created sparse when missing; an existing file is reused (data survives restarts) only if
// its size is exactly capacity x lba_size, so a changed config never silently truncates or
// grows a namespace. Deallocated blocks are holes and read back as zeros (DLFEAT 001b).
//
// Every function is safe to call from several threads at once (pread/pwrite/fallocate on
// one descriptor); ordering between overlapping operations is the caller's business (see
// the namespace lock in EmulatedDevice).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "base/result.h"

namespace xg::nvme {

struct EmulatedNamespaceConfig {
  std::uint32_t nsid = 1;
  std::string path;               // backing file
  std::uint32_t lba_size = 512;   // 512 or 4096
  std::uint64_t capacity = 0;     // blocks (NSZE = NCAP)
  std::uint16_t mssrl = 128;      // Copy: blocks per source range, 1-based
  std::uint32_t mcl = 1024;       // Copy: blocks per command, 1-based
  std::uint8_t msrc = 15;         // Copy: source ranges per command, 0's based
  std::uint8_t dlfeat = 0x09;     // bits 2:0 001b deallocated reads are zeros; bit 3
                                  // Write Zeroes may deallocate
};

// Why a namespace (or device) could not be opened: for logs and for the caller to refuse
// to start. `error` is the errno when a system call failed, else 0.
struct OpenError {
  std::string path;
  std::string why;
  int error = 0;
  friend bool operator==(const OpenError&, const OpenError&) = default;
};

// An I/O failure inside the namespace, split by side so Copy can report Write Fault
// (0x0280) or Unrecovered Read Error (0x0281) as NVM Command Set 1.0 names them (Figure
// "Status Code - Media and Data Integrity Errors").
enum class IoFailure { kNone, kRead, kWrite };

// What copy_from() did: on failure, how many blocks at the front of the run are known to
// hold the source's data (0 after a back-to-front overlapping copy, which fills the end
// first), so a multi-range Copy can name the first range not fully copied.
struct CopyOutcome {
  IoFailure failure = IoFailure::kNone;
  std::uint64_t blocks_copied = 0;  // == blocks when failure is kNone
  friend bool operator==(const CopyOutcome&, const CopyOutcome&) = default;
};

class EmulatedNamespace {
 public:
  // Opens or creates the backing file. Errors: lba_size not 512/4096, capacity 0 or too
  // large, open/ftruncate failure, existing file of a different size.
  static base::Result<std::unique_ptr<EmulatedNamespace>, OpenError> open(
      const EmulatedNamespaceConfig& config);
  ~EmulatedNamespace();
  EmulatedNamespace(const EmulatedNamespace&) = delete;
  EmulatedNamespace& operator=(const EmulatedNamespace&) = delete;

  const EmulatedNamespaceConfig& config() const { return config_; }
  std::uint32_t nsid() const { return config_.nsid; }
  std::uint32_t lba_size() const { return config_.lba_size; }
  std::uint64_t capacity() const { return config_.capacity; }
  // True if [slba, slba + blocks) lies inside the namespace (no 64-bit wrap).
  bool in_range(std::uint64_t slba, std::uint64_t blocks) const;

  // Whole transfers (short reads/writes are retried); `out`/`in` sizes are in bytes and
  // start at block `slba`.
  bool read(std::uint64_t slba, std::span<std::uint8_t> out) const;
  bool write(std::uint64_t slba, std::span<const std::uint8_t> in);
  // Zeroes blocks: fallocate ZERO_RANGE, or PUNCH_HOLE|KEEP_SIZE when `deallocate`;
  // writes zeros when the filesystem refuses either.
  bool write_zeroes(std::uint64_t slba, std::uint64_t blocks, bool deallocate);
  bool flush();

  // Copies `blocks` blocks from `source` (possibly this namespace) at `source_lba` to this
  // namespace at `destination_lba`, like memmove when source and destination overlap in
  // one file. Uses copy_file_range (a reflink on XFS/btrfs) when the runs do not overlap.
  CopyOutcome copy_from(const EmulatedNamespace& source, std::uint64_t source_lba,
                        std::uint64_t destination_lba, std::uint64_t blocks);

 private:
  EmulatedNamespace(EmulatedNamespaceConfig config, int fd) : config_(std::move(config)), fd_(fd) {}
  // On failure `*done_bytes` is the length of the copied prefix (0 when `backwards`).
  IoFailure copy_buffered(int source_fd, std::uint64_t source_offset, std::uint64_t offset,
                          std::uint64_t bytes, bool backwards, std::uint64_t* done_bytes);

  EmulatedNamespaceConfig config_;
  int fd_ = -1;
};

}  // namespace xg::nvme
