// Runs the NVMe commands of one SCSI command with a bounded number in flight: a READ of
// 8 MiB on a 512 KiB-MDTS controller becomes 16 Reads, up to kMaxNvmeInFlight at once.
//
// Commands are produced on demand by `make(index)`, so a WRITE SAME over millions of
// blocks never holds more than the in-flight commands (and their shared pattern buffer).
// After the first failure no new command is started; `done` runs once, after every started
// command has completed, with the failure of the lowest-indexed failed command (the one
// closest to the start of the range, which is what INFORMATION should name).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>

#include "nvme/device.h"

namespace xg::translate::detail {

struct BatchOutcome {
  bool ok = true;
  nvme::Status status;  // of the failed command
  std::size_t failed_index = 0;
  nvme::Completion completion;  // of the failed command
};

// nullopt: the command could not be built (an internal error; completes 0x0006).
using MakeCommand = std::function<std::optional<nvme::Command>(std::size_t index)>;
using BatchDone = std::function<void(const BatchOutcome&)>;

// `count` 0 runs `done` at once, on the calling thread.
void run_batch(nvme::Device& device, std::size_t count, MakeCommand make, BatchDone done,
               std::size_t max_in_flight);

// The pieces of [lba, lba + blocks) of at most `per_command` blocks each.
struct BlockChunk {
  std::uint64_t lba = 0;
  std::uint32_t blocks = 0;
  std::uint64_t first_block = 0;  // offset of the chunk from `lba`, in blocks
};
std::size_t chunk_count(std::uint64_t blocks, std::uint32_t per_command);
BlockChunk chunk_at(std::uint64_t lba, std::uint64_t blocks, std::uint32_t per_command,
                    std::size_t index);

}  // namespace xg::translate::detail
