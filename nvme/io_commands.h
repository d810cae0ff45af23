// Builders and decoders for the NVM I/O commands that address an LBA range, plus Flush
// and Dataset Management (deallocate). NVM Command Set Specification 1.0, clauses 3.2
// (Compare, Copy, DSM, Verify, Write, Write Uncorrectable, Write Zeroes) and 3.3 (Read);
// Flush is Base 2.0 7.1.
//
// Command dwords shared by Read (02h), Write (01h), Compare (05h), Verify (0Ch),
// Write Zeroes (08h) and Write Uncorrectable (04h):
//   CDW10-11  SLBA (bits 31:0 in CDW10, 63:32 in CDW11)
//   CDW12     15:0 NLB (0's based), 23:20 DTYPE (Write), 24 STC, 25 DEAC (Write Zeroes),
//             29:26 PRINFO (PRACT bit 29, PRCHK 28:26), 30 FUA, 31 LR
//   CDW13     7:0 DSM (Read, Write), 31:16 DSPEC (Write)
//   CDW14     ILBRT (Write, Write Zeroes) / EILBRT (Read, Compare, Verify)
//   CDW15     15:0 LBAT / ELBAT, 31:16 LBATM / ELBATM
// Write Uncorrectable defines only SLBA and NLB.
//
// NLB is 0's based: a request for 1 block encodes NLB 0, 65,536 blocks encode FFFFh.
// The builders take a block COUNT and refuse 0 (nothing can encode it) and > 65,536 with
// a ParseError at SQE byte 48 (CDW12). They also refuse SLBA + count overflowing 64 bits
// (byte 40) and an option the opcode does not define (the option's SQE byte).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nvme/parse_error.h"
#include "nvme/submission_entry.h"

namespace xg::nvme {

inline constexpr std::uint32_t kMaxBlocksPerIo = 65536;  // NLB FFFFh

// PRINFO (4 bits): bit 3 PRACT, bit 2 PRCHK guard, bit 1 PRCHK application tag,
// bit 0 PRCHK reference tag.
inline constexpr std::uint8_t kPrinfoPract = 0x8;
inline constexpr std::uint8_t kPrinfoCheckGuard = 0x4;
inline constexpr std::uint8_t kPrinfoCheckApplicationTag = 0x2;
inline constexpr std::uint8_t kPrinfoCheckReferenceTag = 0x1;

// One LBA-range command as native fields (fields an opcode does not define stay 0).
struct IoCommand {
  std::uint8_t opcode = kOpcodeRead;
  Fuse fuse = Fuse::kNormal;
  std::uint32_t nsid = 0;
  std::uint64_t slba = 0;
  std::uint16_t nlb = 0;  // 0's based
  std::uint8_t dtype = 0;  // 4 bits
  bool stc = false;
  bool deac = false;
  std::uint8_t prinfo = 0;  // 4 bits
  bool fua = false;
  bool lr = false;
  std::uint8_t dsm = 0;
  std::uint16_t dspec = 0;
  std::uint32_t ilbrt = 0;  // ILBRT or EILBRT
  std::uint16_t lbat = 0;
  std::uint16_t lbatm = 0;

  std::uint32_t blocks() const { return std::uint32_t{nlb} + 1; }
  friend bool operator==(const IoCommand&, const IoCommand&) = default;
};

// Options a caller may ask for; each is refused for an opcode that does not define it.
struct IoOptions {
  bool fua = false;
  bool lr = false;
  std::uint8_t prinfo = 0;
  bool stc = false;
  bool deac = false;        // Write Zeroes only
  std::uint8_t dtype = 0;   // Write only
  std::uint16_t dspec = 0;  // Write only
  std::uint8_t dsm = 0;     // Read and Write only
  std::uint32_t ilbrt = 0;
  std::uint16_t lbat = 0;
  std::uint16_t lbatm = 0;
};

// True for the six opcodes IoCommand models.
bool is_lba_range_opcode(std::uint8_t opcode);

// Writes only the bits the opcode defines (other IoCommand fields are ignored).
SubmissionEntry encode_io(const IoCommand& cmd);
// Errors: an opcode that is not an LBA-range command (offset 0). Bits the opcode does not
// define are ignored (they are reserved; the controller decides whether to reject them).
ParseResult<IoCommand> decode_io(const SubmissionEntry& sqe);

ParseResult<SubmissionEntry> build_io(std::uint8_t opcode, std::uint32_t nsid,
                                      std::uint64_t slba, std::uint32_t blocks,
                                      const IoOptions& options = {});
ParseResult<SubmissionEntry> build_read(std::uint32_t nsid, std::uint64_t slba,
                                        std::uint32_t blocks, const IoOptions& options = {});
ParseResult<SubmissionEntry> build_write(std::uint32_t nsid, std::uint64_t slba,
                                         std::uint32_t blocks, const IoOptions& options = {});
ParseResult<SubmissionEntry> build_compare(std::uint32_t nsid, std::uint64_t slba,
                                           std::uint32_t blocks, const IoOptions& options = {});
ParseResult<SubmissionEntry> build_verify(std::uint32_t nsid, std::uint64_t slba,
                                          std::uint32_t blocks, const IoOptions& options = {});
// Write Zeroes: options.deac asks the controller to deallocate the blocks.
ParseResult<SubmissionEntry> build_write_zeroes(std::uint32_t nsid, std::uint64_t slba,
                                                std::uint32_t blocks,
                                                const IoOptions& options = {});
ParseResult<SubmissionEntry> build_write_uncorrectable(std::uint32_t nsid, std::uint64_t slba,
                                                       std::uint32_t blocks);

// Compare and Write as a fused pair (Base 2.0 3.4.2 "Fused Operations"): Compare with
// FUSE 01b, then Write with FUSE 10b, same NSID/SLBA/NLB, submitted adjacently. Valid only
// when Identify Controller FUSES bit 0 is set (the caller checks).
struct CompareAndWrite {
  SubmissionEntry compare;
  SubmissionEntry write;
};
ParseResult<CompareAndWrite> build_compare_and_write(std::uint32_t nsid, std::uint64_t slba,
                                                     std::uint32_t blocks,
                                                     const IoOptions& options = {});

// Flush (00h): NSID only (FFFFFFFFh = all namespaces, if the controller allows it).
SubmissionEntry build_flush(std::uint32_t nsid);

// Dataset Management (09h), NVM Command Set 1.0 3.2.3. CDW10 7:0 NR (0's based number of
// ranges), CDW11 bit 2 AD (deallocate), bit 1 IDW, bit 0 IDR. Range entry (Figure
// "Dataset Management - Range Definition"), 16 bytes: 3:0 Context Attributes,
// 7:4 Length in logical blocks (1-based, unlike NLB), 15:8 SLBA.
inline constexpr std::size_t kDsmRangeSize = 16;
inline constexpr std::size_t kMaxDsmRanges = 256;
inline constexpr std::uint32_t kDsmAttributeDeallocate = 1U << 2;

struct DsmRange {
  std::uint32_t context_attributes = 0;
  std::uint32_t length = 0;  // blocks, 1-based
  std::uint64_t slba = 0;
  friend bool operator==(const DsmRange&, const DsmRange&) = default;
};

std::vector<std::uint8_t> encode_dsm_ranges(std::span<const DsmRange> ranges);
// `count` entries (16 bytes each); ParseError at the first entry that does not fit.
ParseResult<std::vector<DsmRange>> decode_dsm_ranges(std::span<const std::uint8_t> bytes,
                                                     std::size_t count);

// A deallocate request: the SQE (NR, AD) and its range buffer. Refuses 0 or > 256 ranges
// (SQE byte 40) and a 0-length range (buffer byte 16*i+4).
struct DeallocateRequest {
  SubmissionEntry sqe;
  std::vector<std::uint8_t> ranges;
};
ParseResult<DeallocateRequest> build_deallocate(std::uint32_t nsid,
                                                std::span<const DsmRange> ranges);

}  // namespace xg::nvme
