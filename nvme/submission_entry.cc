#include "nvme/submission_entry.h"

#include "base/bits.h"
#include "base/byte_reader.h"

namespace xg::nvme {

void encode_submission_entry(const SubmissionEntry& sqe, base::ByteWriter& out) {
  out.u8(sqe.opcode);
  out.u8(static_cast<std::uint8_t>((static_cast<unsigned>(sqe.fuse) & 0x3U) |
                                   ((sqe.psdt & 0x3U) << 6)));
  out.le16(sqe.cid);
  out.le32(sqe.nsid);
  out.le32(sqe.cdw2);
  out.le32(sqe.cdw3);
  out.le64(sqe.mptr);
  out.le64(sqe.prp1);
  out.le64(sqe.prp2);
  for (std::uint32_t dw : {sqe.cdw10, sqe.cdw11, sqe.cdw12, sqe.cdw13, sqe.cdw14, sqe.cdw15}) {
    out.le32(dw);
  }
}

SqeBytes encode_submission_entry(const SubmissionEntry& sqe) {
  base::ByteWriter w(kSubmissionEntrySize);
  encode_submission_entry(sqe, w);
  SqeBytes out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = w.data()[i];
  return out;
}

ParseResult<SubmissionEntry> decode_submission_entry(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != kSubmissionEntrySize) {
    return ParseError{bytes.size() < kSubmissionEntrySize ? bytes.size() : kSubmissionEntrySize,
                      "a submission queue entry is 64 bytes"};
  }
  base::ByteReader r(bytes);
  SubmissionEntry sqe;
  sqe.opcode = r.u8();
  const std::uint8_t flags = r.u8();
  if (base::bits<1, 0>(flags) == 0b11) {
    return ParseError{kSqeOffsetFlags, "FUSE 11b is reserved"};
  }
  if ((flags & base::mask<5, 2>()) != 0) {
    return ParseError{kSqeOffsetFlags, "CDW0 bits 13:10 are reserved"};
  }
  sqe.fuse = static_cast<Fuse>(base::bits<1, 0>(flags));
  sqe.psdt = base::bits<7, 6>(flags);
  sqe.cid = r.le16();
  sqe.nsid = r.le32();
  sqe.cdw2 = r.le32();
  sqe.cdw3 = r.le32();
  sqe.mptr = r.le64();
  sqe.prp1 = r.le64();
  sqe.prp2 = r.le64();
  sqe.cdw10 = r.le32();
  sqe.cdw11 = r.le32();
  sqe.cdw12 = r.le32();
  sqe.cdw13 = r.le32();
  sqe.cdw14 = r.le32();
  sqe.cdw15 = r.le32();
  return sqe;
}

}  // namespace xg::nvme
