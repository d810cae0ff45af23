// The 64-byte Submission Queue Entry (NVMe Base Specification 2.0, Figure "Common Command
// Format"), as native fields, serialized byte-wise (little-endian).
//
//   bytes 0       CDW0 bits 7:0   OPC (opcode)
//   byte  1       CDW0 bits 9:8   FUSE (00b normal, 01b fused first, 10b fused second),
//                      bits 13:10 reserved, bits 15:14 PSDT (00b PRP, 01b/10b SGL)
//   bytes 3:2     CDW0 bits 31:16 CID (command identifier; the driver assigns it)
//   bytes 7:4     NSID
//   bytes 11:8    CDW2, bytes 15:12 CDW3 (command specific)
//   bytes 23:16   MPTR (metadata pointer)
//   bytes 39:24   DPTR: PRP Entry 1 (31:24) and PRP Entry 2 (39:32), or one 16-byte SGL
//                 descriptor when PSDT != 0 (kept here as the same two little-endian qwords)
//   bytes 63:40   CDW10..CDW15 (command specific)
//
// Command builders (io_commands.h, copy_command.h) fill the command-specific dwords and
// leave CID, MPTR and DPTR at zero: the device layer (Linux passthrough builds them from
// addr/data_len) owns those.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "base/byte_writer.h"
#include "nvme/parse_error.h"
#include "nvme/spec.h"

namespace xg::nvme {

enum class Fuse : std::uint8_t {
  kNormal = 0b00,
  kFirst = 0b01,   // first command of a fused operation (Compare of compare-and-write)
  kSecond = 0b10,  // second command (the Write)
};

struct SubmissionEntry {
  std::uint8_t opcode = 0;
  Fuse fuse = Fuse::kNormal;
  std::uint8_t psdt = 0;  // 2 bits
  std::uint16_t cid = 0;
  std::uint32_t nsid = 0;
  std::uint32_t cdw2 = 0;
  std::uint32_t cdw3 = 0;
  std::uint64_t mptr = 0;
  std::uint64_t prp1 = 0;
  std::uint64_t prp2 = 0;
  std::uint32_t cdw10 = 0;
  std::uint32_t cdw11 = 0;
  std::uint32_t cdw12 = 0;
  std::uint32_t cdw13 = 0;
  std::uint32_t cdw14 = 0;
  std::uint32_t cdw15 = 0;
  friend bool operator==(const SubmissionEntry&, const SubmissionEntry&) = default;
};

// Byte offsets of the dwords, for ParseError offsets and tests.
inline constexpr std::size_t kSqeOffsetFlags = 1;
inline constexpr std::size_t kSqeOffsetNsid = 4;
inline constexpr std::size_t kSqeOffsetCdw3 = 12;
inline constexpr std::size_t kSqeOffsetCdw10 = 40;
inline constexpr std::size_t kSqeOffsetCdw11 = 44;
inline constexpr std::size_t kSqeOffsetCdw12 = 48;
inline constexpr std::size_t kSqeOffsetCdw13 = 52;
inline constexpr std::size_t kSqeOffsetCdw14 = 56;
inline constexpr std::size_t kSqeOffsetCdw15 = 60;

using SqeBytes = std::array<std::uint8_t, kSubmissionEntrySize>;

// Total: FUSE is written as its 2-bit value, PSDT masked to 2 bits.
SqeBytes encode_submission_entry(const SubmissionEntry& sqe);
void encode_submission_entry(const SubmissionEntry& sqe, base::ByteWriter& out);

// Exactly 64 bytes. Errors: short/long buffer (offset = size, or 64); FUSE 11b
// (reserved) or a non-zero reserved CDW0 bit 13:10 (offset 1).
ParseResult<SubmissionEntry> decode_submission_entry(std::span<const std::uint8_t> bytes);

}  // namespace xg::nvme
