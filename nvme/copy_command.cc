#include "nvme/copy_command.h"

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

// Descriptor byte offsets shared by every format (NVM Command Set 1.0 3.2.2, Source Range
// Entries formats 0h/1h; TP4130 formats 2h/3h).
constexpr std::size_t kOffsetSnsid = 0;
constexpr std::size_t kOffsetNlb = 16;
constexpr std::size_t kOffsetSopt = 22;
constexpr std::size_t kOffsetEilbrt = 24;  // 0h/2h

void encode_one(std::uint8_t desfmt, const SourceRange& r, base::ByteWriter& w) {
  if (is_cross_namespace_format(desfmt)) {
    w.le32(r.snsid);
    w.zeros(4);
  } else {
    w.zeros(8);
  }
  w.le64(r.slba);
  w.le16(r.nlb);
  if (is_wide_tag_format(desfmt)) {
    // 25:18 (1h) or 21:18 + SOPT 23:22 + 25:24 (3h), then the 80-bit tag, big-endian.
    w.zeros(4);
    w.le16(is_cross_namespace_format(desfmt) ? r.sopt : std::uint16_t{0});
    w.zeros(2);
    w.be16(r.elbst_eilbrt_upper);
    w.be64(r.elbst_eilbrt);
  } else {
    w.zeros(4);
    w.le16(is_cross_namespace_format(desfmt) ? r.sopt : std::uint16_t{0});
    w.le32(low32(r.elbst_eilbrt));
  }
  w.le16(r.elbat);
  w.le16(r.elbatm);
}

SourceRange decode_one(std::uint8_t desfmt, base::ByteReader& d) {
  SourceRange r;
  if (is_cross_namespace_format(desfmt)) r.snsid = d.le32(); else d.skip(4);
  d.skip(4);
  r.slba = d.le64();
  r.nlb = d.le16();
  d.skip(4);
  const std::uint16_t sopt = d.le16();
  if (is_cross_namespace_format(desfmt)) r.sopt = sopt;
  if (is_wide_tag_format(desfmt)) {
    d.skip(2);
    r.elbst_eilbrt_upper = d.be16();
    r.elbst_eilbrt = d.be64();
  } else {
    r.elbst_eilbrt = d.le32();
  }
  r.elbat = d.le16();
  r.elbatm = d.le16();
  return r;
}

// Fields the chosen format cannot carry would be lost silently; refuse them instead.
base::Result<void, ParseError> check_fits(std::uint8_t desfmt, std::span<const SourceRange> rs) {
  const std::size_t size = source_range_size(desfmt);
  for (std::size_t i = 0; i < rs.size(); ++i) {
    const SourceRange& r = rs[i];
    const std::size_t at = i * size;
    if (!is_cross_namespace_format(desfmt) && r.snsid != 0) {
      return ParseError{at + kOffsetSnsid, "SNSID needs descriptor format 2h or 3h"};
    }
    if (!is_cross_namespace_format(desfmt) && r.sopt != 0) {
      return ParseError{at + kOffsetSopt, "SOPT needs descriptor format 2h or 3h"};
    }
    if (!is_wide_tag_format(desfmt) &&
        (r.elbst_eilbrt_upper != 0 || high32(r.elbst_eilbrt) != 0)) {
      return ParseError{at + kOffsetEilbrt, "a tag above 32 bits needs format 1h or 3h"};
    }
  }
  return base::Ok{};
}

}  // namespace

std::size_t source_range_size(std::uint8_t desfmt) {
  if (desfmt > kDescriptorFormat3) return 0;
  return is_wide_tag_format(desfmt) ? 40 : 32;
}

ParseResult<SourceRange> source_range(std::uint64_t slba, std::uint32_t blocks) {
  if (blocks == 0) {
    return ParseError{kOffsetNlb, "NLB is 0's based: a 0-block range cannot be encoded"};
  }
  if (blocks > kMaxBlocksPerRange) {
    return ParseError{kOffsetNlb, "more than 65,536 blocks do not fit NLB"};
  }
  SourceRange r;
  r.slba = slba;
  r.nlb = static_cast<std::uint16_t>(blocks - 1U);
  return r;
}

SubmissionEntry encode_copy(const CopyCommand& c) {
  SubmissionEntry sqe;
  sqe.opcode = kOpcodeCopy;
  sqe.nsid = c.nsid;
  sqe.cdw2 = c.cdw2;
  sqe.cdw3 = c.lbtu;
  sqe.cdw10 = low32(c.sdlba);
  sqe.cdw11 = high32(c.sdlba);
  sqe.cdw12 = put<7, 0>(c.nr) | put<11, 8>(c.desfmt) | put<15, 12>(c.prinfor) |
              put<19, 16>(c.cetype) | put<23, 20>(c.dtype) | flag_bit(c.stcw, 24) |
              flag_bit(c.stcr, 25) | put<29, 26>(c.prinfow) | flag_bit(c.fua, 30) |
              flag_bit(c.lr, 31);
  sqe.cdw13 = put<15, 0>(c.cev) | put<31, 16>(c.dspec);
  sqe.cdw14 = c.lbtl;
  sqe.cdw15 = put<15, 0>(c.lbat) | put<31, 16>(c.lbatm);
  return sqe;
}

ParseResult<CopyCommand> decode_copy(const SubmissionEntry& sqe) {
  if (sqe.opcode != kOpcodeCopy) return ParseError{0, "opcode is not Copy (19h)"};
  CopyCommand c;
  c.nsid = sqe.nsid;
  c.cdw2 = sqe.cdw2;
  c.lbtu = sqe.cdw3;
  c.sdlba = join64(sqe.cdw10, sqe.cdw11);
  c.nr = get8<7, 0>(sqe.cdw12);
  c.desfmt = get8<11, 8>(sqe.cdw12);
  c.prinfor = get8<15, 12>(sqe.cdw12);
  c.cetype = get8<19, 16>(sqe.cdw12);
  c.dtype = get8<23, 20>(sqe.cdw12);
  c.stcw = flag(sqe.cdw12, 24);
  c.stcr = flag(sqe.cdw12, 25);
  c.prinfow = get8<29, 26>(sqe.cdw12);
  c.fua = flag(sqe.cdw12, 30);
  c.lr = flag(sqe.cdw12, 31);
  c.cev = get16<15, 0>(sqe.cdw13);
  c.dspec = get16<31, 16>(sqe.cdw13);
  c.lbtl = sqe.cdw14;
  c.lbat = get16<15, 0>(sqe.cdw15);
  c.lbatm = get16<31, 16>(sqe.cdw15);
  return c;
}

std::vector<std::uint8_t> encode_source_ranges(std::uint8_t desfmt,
                                               std::span<const SourceRange> ranges) {
  base::ByteWriter w(ranges.size() * source_range_size(desfmt));
  for (const auto& r : ranges) encode_one(desfmt, r, w);
  return w.take();
}

ParseResult<std::vector<SourceRange>> decode_source_ranges(std::span<const std::uint8_t> bytes,
                                                           std::uint8_t desfmt,
                                                           std::size_t count) {
  const std::size_t size = source_range_size(desfmt);
  if (size == 0) return ParseError{0, "descriptor format is not 0h..3h"};
  base::ByteReader list(bytes);
  std::vector<SourceRange> out;
  out.reserve(count < kMaxCopyRanges ? count : kMaxCopyRanges);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t at = list.offset();
    auto descriptor = list.take(size);
    if (!descriptor) return ParseError{at, "source range list shorter than NR+1 descriptors"};
    out.push_back(decode_one(desfmt, *descriptor));
  }
  return out;
}

ParseResult<CopyRequest> build_copy(CopyCommand cmd, std::span<const SourceRange> ranges) {
  if (ranges.empty() || ranges.size() > kMaxCopyRanges) {
    return ParseError{kSqeOffsetCdw12, "Copy takes 1..256 source ranges (NR 0's based)"};
  }
  if (source_range_size(cmd.desfmt) == 0) {
    return ParseError{kSqeOffsetCdw12 + 1, "descriptor format is not 0h..3h"};
  }
  XG_TRY(check_fits(cmd.desfmt, ranges));
  cmd.nr = static_cast<std::uint8_t>(ranges.size() - 1U);
  return CopyRequest{encode_copy(cmd), encode_source_ranges(cmd.desfmt, ranges)};
}

CopyProgress copy_progress(const Status& status, std::uint32_t dw0,
                           std::span<const SourceRange> ranges) {
  std::size_t done = ranges.size();
  if (!status.ok() && dw0 < done) done = dw0;
  CopyProgress p;
  p.ranges_copied = done;
  for (std::size_t i = 0; i < done; ++i) p.blocks_copied += ranges[i].blocks();
  return p;
}

}  // namespace xg::nvme
