#include "nvme/io_commands.h"

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "nvme/dword_bits.h"

namespace xg::nvme {
namespace {

using detail::flag;
using detail::flag_bit;
using detail::get16;
using detail::get8;
using detail::high32;
using detail::join64;
using detail::low32;
using detail::put;

// Which optional CDW12-15 fields an opcode defines (NVM Command Set 1.0 figures for each
// command's CDW12/CDW13). "protection" covers STC, PRINFO, FUA, LR and CDW14/CDW15 tags.
struct OpcodeFields {
  std::uint8_t opcode;
  bool protection;
  bool directives;  // DTYPE (CDW12 23:20), DSPEC (CDW13 31:16)
  bool dsm;         // CDW13 7:0
  bool deac;        // CDW12 bit 25
};

constexpr OpcodeFields kOpcodeFields[] = {
    {kOpcodeRead, true, false, true, false},
    {kOpcodeWrite, true, true, true, false},
    {kOpcodeCompare, true, false, false, false},
    {kOpcodeVerify, true, false, false, false},
    {kOpcodeWriteZeroes, true, false, false, true},
    {kOpcodeWriteUncorrectable, false, false, false, false},
};

const OpcodeFields* fields_of(std::uint8_t opcode) {
  for (const auto& row : kOpcodeFields) {
    if (row.opcode == opcode) return &row;
  }
  return nullptr;
}

// Refuses options the opcode leaves reserved, pointing at the SQE byte they would occupy.
base::Result<void, ParseError> check_options(const OpcodeFields& f, const IoOptions& o) {
  const bool protection = o.fua || o.lr || o.prinfo != 0 || o.stc || o.ilbrt != 0 ||
                          o.lbat != 0 || o.lbatm != 0;
  if (!f.protection && protection) {
    return ParseError{kSqeOffsetCdw12 + 3, "FUA/LR/PRINFO/STC/tags not defined for opcode"};
  }
  if (!f.directives && (o.dtype != 0 || o.dspec != 0)) {
    return ParseError{kSqeOffsetCdw12 + 2, "DTYPE/DSPEC are defined for Write only"};
  }
  if (!f.dsm && o.dsm != 0) return ParseError{kSqeOffsetCdw13, "DSM not defined for opcode"};
  if (!f.deac && o.deac) {
    return ParseError{kSqeOffsetCdw12 + 3, "DEAC is defined for Write Zeroes only"};
  }
  if (o.prinfo > 0xF) return ParseError{kSqeOffsetCdw12 + 3, "PRINFO is 4 bits"};
  if (o.dtype > 0xF) return ParseError{kSqeOffsetCdw12 + 2, "DTYPE is 4 bits"};
  return base::Ok{};
}

base::Result<void, ParseError> check_range(std::uint64_t slba, std::uint32_t blocks) {
  if (blocks == 0) {
    return ParseError{kSqeOffsetCdw12, "NLB is 0's based: a 0-block request cannot be encoded"};
  }
  if (blocks > kMaxBlocksPerIo) {
    return ParseError{kSqeOffsetCdw12, "more than 65,536 blocks do not fit NLB"};
  }
  if (slba > UINT64_MAX - (blocks - 1U)) {
    return ParseError{kSqeOffsetCdw10, "SLBA + NLB wraps past the 64-bit LBA space"};
  }
  return base::Ok{};
}

}  // namespace

bool is_lba_range_opcode(std::uint8_t opcode) { return fields_of(opcode) != nullptr; }

SubmissionEntry encode_io(const IoCommand& c) {
  const OpcodeFields none{c.opcode, false, false, false, false};
  const OpcodeFields* found = fields_of(c.opcode);
  const OpcodeFields& f = found != nullptr ? *found : none;
  SubmissionEntry sqe;
  sqe.opcode = c.opcode;
  sqe.fuse = c.fuse;
  sqe.nsid = c.nsid;
  sqe.cdw10 = low32(c.slba);
  sqe.cdw11 = high32(c.slba);
  sqe.cdw12 = c.nlb;
  if (f.protection) {
    sqe.cdw12 |= flag_bit(c.stc, 24) | put<29, 26>(c.prinfo) | flag_bit(c.fua, 30) |
                 flag_bit(c.lr, 31);
    sqe.cdw14 = c.ilbrt;
    sqe.cdw15 = put<15, 0>(c.lbat) | put<31, 16>(c.lbatm);
  }
  if (f.directives) {
    sqe.cdw12 |= put<23, 20>(c.dtype);
    sqe.cdw13 |= put<31, 16>(c.dspec);
  }
  if (f.dsm) sqe.cdw13 |= put<7, 0>(c.dsm);
  if (f.deac) sqe.cdw12 |= flag_bit(c.deac, 25);
  return sqe;
}

ParseResult<IoCommand> decode_io(const SubmissionEntry& sqe) {
  const OpcodeFields* f = fields_of(sqe.opcode);
  if (f == nullptr) return ParseError{0, "opcode is not an LBA-range I/O command"};
  IoCommand c;
  c.opcode = sqe.opcode;
  c.fuse = sqe.fuse;
  c.nsid = sqe.nsid;
  c.slba = join64(sqe.cdw10, sqe.cdw11);
  c.nlb = get16<15, 0>(sqe.cdw12);
  if (f->protection) {
    c.stc = flag(sqe.cdw12, 24);
    c.prinfo = get8<29, 26>(sqe.cdw12);
    c.fua = flag(sqe.cdw12, 30);
    c.lr = flag(sqe.cdw12, 31);
    c.ilbrt = sqe.cdw14;
    c.lbat = get16<15, 0>(sqe.cdw15);
    c.lbatm = get16<31, 16>(sqe.cdw15);
  }
  if (f->directives) {
    c.dtype = get8<23, 20>(sqe.cdw12);
    c.dspec = get16<31, 16>(sqe.cdw13);
  }
  if (f->dsm) c.dsm = get8<7, 0>(sqe.cdw13);
  if (f->deac) c.deac = flag(sqe.cdw12, 25);
  return c;
}

ParseResult<SubmissionEntry> build_io(std::uint8_t opcode, std::uint32_t nsid,
                                      std::uint64_t slba, std::uint32_t blocks,
                                      const IoOptions& o) {
  const OpcodeFields* f = fields_of(opcode);
  if (f == nullptr) return ParseError{0, "opcode is not an LBA-range I/O command"};
  XG_TRY(check_range(slba, blocks));
  XG_TRY(check_options(*f, o));
  IoCommand c;
  c.opcode = opcode;
  c.nsid = nsid;
  c.slba = slba;
  c.nlb = static_cast<std::uint16_t>(blocks - 1U);
  c.dtype = o.dtype;
  c.stc = o.stc;
  c.deac = o.deac;
  c.prinfo = o.prinfo;
  c.fua = o.fua;
  c.lr = o.lr;
  c.dsm = o.dsm;
  c.dspec = o.dspec;
  c.ilbrt = o.ilbrt;
  c.lbat = o.lbat;
  c.lbatm = o.lbatm;
  return encode_io(c);
}

ParseResult<SubmissionEntry> build_read(std::uint32_t nsid, std::uint64_t slba,
                                        std::uint32_t blocks, const IoOptions& o) {
  return build_io(kOpcodeRead, nsid, slba, blocks, o);
}
ParseResult<SubmissionEntry> build_write(std::uint32_t nsid, std::uint64_t slba,
                                         std::uint32_t blocks, const IoOptions& o) {
  return build_io(kOpcodeWrite, nsid, slba, blocks, o);
}
ParseResult<SubmissionEntry> build_compare(std::uint32_t nsid, std::uint64_t slba,
                                           std::uint32_t blocks, const IoOptions& o) {
  return build_io(kOpcodeCompare, nsid, slba, blocks, o);
}
ParseResult<SubmissionEntry> build_verify(std::uint32_t nsid, std::uint64_t slba,
                                          std::uint32_t blocks, const IoOptions& o) {
  return build_io(kOpcodeVerify, nsid, slba, blocks, o);
}
ParseResult<SubmissionEntry> build_write_zeroes(std::uint32_t nsid, std::uint64_t slba,
                                                std::uint32_t blocks, const IoOptions& o) {
  return build_io(kOpcodeWriteZeroes, nsid, slba, blocks, o);
}
ParseResult<SubmissionEntry> build_write_uncorrectable(std::uint32_t nsid, std::uint64_t slba,
                                                       std::uint32_t blocks) {
  return build_io(kOpcodeWriteUncorrectable, nsid, slba, blocks, {});
}

ParseResult<CompareAndWrite> build_compare_and_write(std::uint32_t nsid, std::uint64_t slba,
                                                     std::uint32_t blocks,
                                                     const IoOptions& o) {
  // The Compare half takes the protection options only; DSM/directives are Write's.
  IoOptions compare_options = o;
  compare_options.dtype = 0;
  compare_options.dspec = 0;
  compare_options.dsm = 0;
  auto compare = build_compare(nsid, slba, blocks, compare_options);
  if (!compare) return std::move(compare).error();
  auto write = build_write(nsid, slba, blocks, o);
  if (!write) return std::move(write).error();
  CompareAndWrite pair{*compare, *write};
  pair.compare.fuse = Fuse::kFirst;
  pair.write.fuse = Fuse::kSecond;
  return pair;
}

SubmissionEntry build_flush(std::uint32_t nsid) {
  SubmissionEntry sqe;
  sqe.opcode = kOpcodeFlush;
  sqe.nsid = nsid;
  return sqe;
}

std::vector<std::uint8_t> encode_dsm_ranges(std::span<const DsmRange> ranges) {
  base::ByteWriter w(ranges.size() * kDsmRangeSize);
  for (const auto& r : ranges) {
    w.le32(r.context_attributes);
    w.le32(r.length);
    w.le64(r.slba);
  }
  return w.take();
}

ParseResult<std::vector<DsmRange>> decode_dsm_ranges(std::span<const std::uint8_t> bytes,
                                                     std::size_t count) {
  base::ByteReader list(bytes);
  std::vector<DsmRange> out;
  out.reserve(count < kMaxDsmRanges ? count : kMaxDsmRanges);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t at = list.offset();
    auto entry = list.take(kDsmRangeSize);
    if (!entry) return ParseError{at, "Dataset Management range list shorter than NR+1 entries"};
    DsmRange r;
    r.context_attributes = entry->le32();
    r.length = entry->le32();
    r.slba = entry->le64();
    out.push_back(r);
  }
  return out;
}

ParseResult<DeallocateRequest> build_deallocate(std::uint32_t nsid,
                                                std::span<const DsmRange> ranges) {
  if (ranges.empty() || ranges.size() > kMaxDsmRanges) {
    return ParseError{kSqeOffsetCdw10, "Dataset Management takes 1..256 ranges (NR 0's based)"};
  }
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    if (ranges[i].length == 0) {
      return ParseError{i * kDsmRangeSize + 4, "a deallocate range of 0 blocks"};
    }
  }
  DeallocateRequest req;
  req.sqe.opcode = kOpcodeDatasetManagement;
  req.sqe.nsid = nsid;
  req.sqe.cdw10 = put<7, 0>(static_cast<std::uint32_t>(ranges.size() - 1U));
  req.sqe.cdw11 = kDsmAttributeDeallocate;
  req.ranges = encode_dsm_ranges(ranges);
  return req;
}

}  // namespace xg::nvme
