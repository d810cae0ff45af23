// UNMAP (SBC-4 5.32) as Dataset Management with AD=1, and WRITE SAME(10)/(16) (SBC-4
// 5.48/5.49) as Write Zeroes (DEAC when unmapping), Dataset Management, or a pattern
// write (NVMe TR 1.5 "UNMAP", "WRITE SAME").
#include <algorithm>

#include "base/bits.h"
#include "base/byte_reader.h"
#include "nvme/io_commands.h"
#include "translate/lu_io_batch.h"
#include "translate/nvme_lu.h"

namespace xg::translate::detail {
namespace {

using scsi::FieldRef;
using scsi::Sense;

// A pattern write never holds more than this many bytes of pattern, whatever MDTS is.
constexpr std::uint64_t kMaxPatternBufferBytes = 1ULL << 20;

ScsiResponse good_with(std::uint64_t transfer_length) {
  ScsiResponse r;
  r.transfer_length = transfer_length;
  return r;
}

struct UnmapList {
  std::vector<nvme::DsmRange> ranges;  // zero-length descriptors left out
};

// SBC-4 5.32.2 UNMAP parameter list: 0-1 UNMAP DATA LENGTH (n - 1), 2-3 UNMAP BLOCK
// DESCRIPTOR DATA LENGTH (n - 7), 4-7 reserved, then 16-byte descriptors (8 LBA, 4 NUMBER
// OF LOGICAL BLOCKS, 4 reserved). A descriptor data length that is not a multiple of 16
// leaves the partial descriptor ignored (as LIO does).
scsi::Result<UnmapList> decode_unmap_list(std::span<const std::uint8_t> list,
                                          std::uint64_t capacity) {
  base::ByteReader r(list);
  if (!r.has(8)) return Sense::param_list_length_error();
  const std::uint16_t data_length = r.be16();
  if (data_length > list.size() - 2) return Sense::param_list_length_error(FieldRef::param(0));
  const std::size_t descriptors_at = r.offset();
  const std::uint16_t descriptor_length = r.be16();
  if (descriptor_length > list.size() - 8) {
    return Sense::param_list_length_error(FieldRef::param(descriptors_at));
  }
  r.skip(4);
  const std::size_t count = descriptor_length / 16;
  if (count > kMaxUnmapDescriptors) {
    return Sense::invalid_field_in_param_list(FieldRef::param(descriptors_at))
        .because("more descriptors than MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT");
  }
  UnmapList out;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t lba = r.be64();
    const std::size_t blocks_at = r.offset();
    const std::uint32_t blocks = r.be32();
    r.skip(4);
    total += blocks;
    if (total > kMaxUnmapBlocks) {
      return Sense::invalid_field_in_param_list(FieldRef::param(blocks_at))
          .because("more blocks than MAXIMUM UNMAP LBA COUNT");
    }
    if (lba > capacity || blocks > capacity - lba) return Sense::lba_out_of_range();
    if (blocks != 0) out.ranges.push_back({0, blocks, lba});
  }
  return out;
}

bool all_zero(std::span<const std::uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace

void NvmeLu::unmap(const ExchangePtr& x) {
  base::ByteReader c(x->cdb());
  c.skip(7);
  const std::size_t length_at = c.offset();
  const std::uint16_t length = c.be16();
  if (length == 0) return x->reply(ScsiResponse::good());  // SBC-4 5.32.1: not an error
  const auto list = data_out(x, length, FieldRef::cdb(length_at));
  if (!list) return;
  auto decoded = decode_unmap_list(*list, geometry().blocks);
  if (!decoded) return x->fail(decoded.error());
  if (decoded->ranges.empty()) return x->reply(good_with(length));
  for (auto& range : decoded->ranges) range.context_attributes = 0;
  auto request = nvme::build_deallocate(nsid_, decoded->ranges);
  if (!request) return x->fail_nvme(nvme::Status::internal_error());
  auto owned = std::make_shared<nvme::DeallocateRequest>(std::move(*request));
  device_.submit({owned->sqe, owned->ranges}, [x, owned, length](const nvme::Completion& done) {
    if (!done.status.ok()) return x->fail_nvme(done.status);
    x->reply(good_with(length));
  });
}

void NvmeLu::write_same(const ExchangePtr& x) {
  BlockCdb b = decode_block_cdb(x->cdb());
  const std::uint8_t flags = x->cdb()[1];
  const bool unmap = base::bit(flags, 3);
  const bool ndob = x->cdb()[0] == opcode::kWriteSame16 && base::bit(flags, 0);
  const bool can_unmap = caps_.deallocate || caps_.write_zeroes_deallocates;
  if (unmap && !can_unmap) return x->fail(Sense::invalid_field_in_cdb(FieldRef::cdb(1, 3)));
  // WSNZ=1 in VPD B0h: 0 ("to the last LBA") is refused.
  if (b.blocks == 0) return x->fail(Sense::invalid_field_in_cdb(b.length_field));
  if (!check_range(x, b, kMaxWriteSameBlocks)) return;
  const Geometry g = geometry();
  std::vector<std::uint8_t> block(g.block_size, 0);
  if (!ndob) {
    const auto data = data_out(x, g.block_size, b.length_field);
    if (!data) return;
    std::copy(data->begin(), data->end(), block.begin());
  }
  const std::uint64_t transfer_length = ndob ? 0 : g.block_size;
  if (all_zero(block)) {
    if (caps_.write_zeroes)
      return write_zeroes(x, b, unmap && caps_.write_zeroes_deallocates, transfer_length);
    // DSM alone is only right when deallocated blocks read back as zeros (DLFEAT 001b).
    if (unmap && caps_.deallocate && caps_.deallocated_reads_zeros) {
      return deallocate_range(x, b, transfer_length);
    }
  }
  write_pattern(x, b, std::move(block), transfer_length);
}

void NvmeLu::write_zeroes(const ExchangePtr& x, const BlockCdb& b, bool deallocate,
                          std::uint64_t transfer_length) {
  nvme::IoOptions options;
  options.deac = deallocate;
  const std::uint32_t nsid = nsid_;
  run_batch(
      device_, chunk_count(b.blocks, nvme::kMaxBlocksPerIo),
      [b, nsid, options](std::size_t i) -> std::optional<nvme::Command> {
        const BlockChunk c = chunk_at(b.lba, b.blocks, nvme::kMaxBlocksPerIo, i);
        auto sqe = nvme::build_write_zeroes(nsid, c.lba, c.blocks, options);
        if (!sqe) return std::nullopt;
        return nvme::Command{*sqe, {}};
      },
      [x, b, transfer_length](const BatchOutcome& o) {
        if (!o.ok) {
          return x->fail_nvme(o.status,
                              chunk_at(b.lba, b.blocks, nvme::kMaxBlocksPerIo, o.failed_index).lba);
        }
        x->reply(good_with(transfer_length));
      },
      kMaxNvmeInFlight);
}

void NvmeLu::deallocate_range(const ExchangePtr& x, const BlockCdb& b,
                              std::uint64_t transfer_length) {
  // kMaxWriteSameBlocks fits one 32-bit DSM range.
  const nvme::DsmRange range{0, static_cast<std::uint32_t>(b.blocks), b.lba};
  auto request = nvme::build_deallocate(nsid_, std::span(&range, 1));
  if (!request) return x->fail_nvme(nvme::Status::internal_error());
  auto owned = std::make_shared<nvme::DeallocateRequest>(std::move(*request));
  device_.submit({owned->sqe, owned->ranges},
                 [x, owned, transfer_length](const nvme::Completion& done) {
                   if (!done.status.ok()) return x->fail_nvme(done.status);
                   x->reply(good_with(transfer_length));
                 });
}

void NvmeLu::write_pattern(const ExchangePtr& x, const BlockCdb& b, std::vector<std::uint8_t> block,
                           std::uint64_t transfer_length) {
  const Geometry g = geometry();
  // One buffer of the pattern repeated, shared by every Write (the device only reads it).
  const auto per_command = static_cast<std::uint32_t>(std::max<std::uint64_t>(
      1, std::min<std::uint64_t>(g.blocks_per_io, kMaxPatternBufferBytes / g.block_size)));
  const std::uint64_t buffer_blocks = std::min<std::uint64_t>(per_command, b.blocks);
  auto buffer = std::make_shared<std::vector<std::uint8_t>>(buffer_blocks * g.block_size);
  for (std::uint64_t i = 0; i < buffer_blocks; ++i) {
    std::copy(block.begin(), block.end(),
              buffer->begin() + static_cast<std::ptrdiff_t>(i * g.block_size));
  }
  nvme::IoOptions options;
  options.fua = write_fua(false);
  const std::uint32_t nsid = nsid_;
  run_batch(
      device_, chunk_count(b.blocks, per_command),
      [b, g, nsid, options, buffer, per_command](std::size_t i) -> std::optional<nvme::Command> {
        const BlockChunk c = chunk_at(b.lba, b.blocks, per_command, i);
        auto sqe = nvme::build_write(nsid, c.lba, c.blocks, options);
        if (!sqe) return std::nullopt;
        return nvme::Command{*sqe, std::span(*buffer).first(std::size_t{c.blocks} * g.block_size)};
      },
      [x, b, buffer, per_command, transfer_length](const BatchOutcome& o) {
        if (!o.ok) {
          return x->fail_nvme(o.status, chunk_at(b.lba, b.blocks, per_command, o.failed_index).lba);
        }
        x->reply(good_with(transfer_length));
      },
      kMaxNvmeInFlight);
}

}  // namespace xg::translate::detail
