#include "translate/lu_io_batch.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

namespace xg::translate::detail {
namespace {

class Batch : public std::enable_shared_from_this<Batch> {
 public:
  Batch(nvme::Device& device, std::size_t count, MakeCommand make, BatchDone done,
        std::size_t max_in_flight)
      : device_(device),
        count_(count),
        make_(std::move(make)),
        done_(std::move(done)),
        max_in_flight_(std::max<std::size_t>(1, max_in_flight)) {}

  void start() { pump(); }

 private:
  // Starts commands until the window is full, then (outside the lock) submits them. The
  // handler may run on a device thread before submit() returns; it only takes the lock.
  void pump() {
    std::vector<std::size_t> to_start;
    {
      std::lock_guard lock(mutex_);
      while (in_flight_ < max_in_flight_ && next_ < count_ && outcome_.ok) {
        to_start.push_back(next_++);
        ++in_flight_;
      }
    }
    for (const std::size_t index : to_start) {
      std::optional<nvme::Command> command = make_(index);
      if (!command) {
        finished(index, {nvme::Status::internal_error()});
        continue;
      }
      auto self = shared_from_this();
      device_.submit(*command,
                     [self, index](const nvme::Completion& c) { self->finished(index, c); });
    }
  }

  void finished(std::size_t index, const nvme::Completion& completion) {
    bool all_done = false;
    {
      std::lock_guard lock(mutex_);
      --in_flight_;
      if (!completion.status.ok() && (outcome_.ok || index < outcome_.failed_index)) {
        outcome_.ok = false;
        outcome_.status = completion.status;
        outcome_.failed_index = index;
        outcome_.completion = completion;
      }
      all_done = in_flight_ == 0 && (next_ == count_ || !outcome_.ok);
      if (all_done) {
        if (reported_) return;
        reported_ = true;
      }
    }
    if (all_done) {
      BatchDone done = std::move(done_);
      done(outcome_);
      return;
    }
    pump();
  }

  nvme::Device& device_;
  const std::size_t count_;
  MakeCommand make_;
  BatchDone done_;
  const std::size_t max_in_flight_;

  std::mutex mutex_;
  std::size_t next_ = 0;
  std::size_t in_flight_ = 0;
  bool reported_ = false;
  BatchOutcome outcome_;
};

}  // namespace

void run_batch(nvme::Device& device, std::size_t count, MakeCommand make, BatchDone done,
               std::size_t max_in_flight) {
  if (count == 0) return done(BatchOutcome{});
  auto batch =
      std::make_shared<Batch>(device, count, std::move(make), std::move(done), max_in_flight);
  batch->start();
}

std::size_t chunk_count(std::uint64_t blocks, std::uint32_t per_command) {
  return static_cast<std::size_t>((blocks + per_command - 1) / per_command);
}

BlockChunk chunk_at(std::uint64_t lba, std::uint64_t blocks, std::uint32_t per_command,
                    std::size_t index) {
  BlockChunk c;
  c.first_block = std::uint64_t{index} * per_command;
  c.lba = lba + c.first_block;
  c.blocks =
      static_cast<std::uint32_t>(std::min<std::uint64_t>(per_command, blocks - c.first_block));
  return c;
}

}  // namespace xg::translate::detail
