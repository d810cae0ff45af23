// The Copy command (I/O opcode 19h), its Source Range Entries descriptor formats 0h-3h,
// and the limit checks a controller applies to it.
//
// Specs: NVM Command Set Specification 1.0 3.2.2 "Copy command" with TP4065 (Simple Copy,
// formats 0h) and TP4068 (format 1h), TP4130 Cross-Namespace Copy (formats 2h/3h, SOPT,
// status 85h-89h). Byte layouts as Linux, QEMU, SPDK and
// libnvme >= 1.4/1.7 agree; libnvme 1.3 swaps ELBAT/ELBATM, so we encode ourselves).
//
// SQE (NVM Command Set 1.0 3.2.2, Copy command Dwords 2-15):
//   NSID      destination namespace (and the source for formats 0h/1h)
//   CDW2      kept raw (32b-Guard tag bits, uncertain for Copy)
//   CDW3      LBTU: upper 32 bits of the write-side initial reference/storage tag
//   CDW10-11  SDLBA (Starting Destination LBA)
//   CDW12     7:0 NR (0's based), 11:8 DESFMT, 15:12 PRINFOR, 19:16 CETYPE, 23:20 DTYPE,
//             24 STCW, 25 STCR, 29:26 PRINFOW, 30 FUA, 31 LR
//   CDW13     15:0 CEV, 31:16 DSPEC
//   CDW14     LBTL (write-side ILBRT), CDW15 15:0 LBAT, 31:16 LBATM
//
// Source range entries, little-endian except the 80-bit tag of 1h/3h (big-endian):
//   0h (32 B): 7:0 rsvd, 15:8 SLBA, 17:16 NLB (0's based), 23:18 rsvd, 27:24 EILBRT,
//              29:28 ELBAT, 31:30 ELBATM
//   1h (40 B): 7:0 rsvd, 15:8 SLBA, 17:16 NLB, 25:18 rsvd, 35:26 ELBST/EILBRT (80 bits,
//              big-endian: byte 35 least significant), 37:36 ELBAT, 39:38 ELBATM
//   2h (32 B): 3:0 SNSID, 7:4 rsvd, 15:8 SLBA, 17:16 NLB, 21:18 rsvd, 23:22 SOPT
//              (bit 15 FCO), 27:24 EILBRT, 29:28 ELBAT, 31:30 ELBATM
//   3h (40 B): 3:0 SNSID, 7:4 rsvd, 15:8 SLBA, 17:16 NLB, 21:18 rsvd, 23:22 SOPT,
//              25:24 rsvd, 35:26 ELBST/EILBRT (80 bits, big-endian), 37:36 ELBAT,
//              39:38 ELBATM
// Reserved descriptor bytes are written as zero and ignored when decoding.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "nvme/parse_error.h"
#include "nvme/status.h"
#include "nvme/submission_entry.h"

namespace xg::nvme {

inline constexpr std::uint8_t kDescriptorFormat0 = 0x0;
inline constexpr std::uint8_t kDescriptorFormat1 = 0x1;
inline constexpr std::uint8_t kDescriptorFormat2 = 0x2;
inline constexpr std::uint8_t kDescriptorFormat3 = 0x3;
inline constexpr std::size_t kMaxCopyRanges = 256;           // NR FFh
inline constexpr std::uint32_t kMaxBlocksPerRange = 65536;   // NLB FFFFh
inline constexpr std::uint16_t kSoptFastCopyOnly = 0x8000;   // SOPT bit 15 FCO

// 32 bytes for formats 0h/2h, 40 for 1h/3h; 0 for a format that does not exist.
std::size_t source_range_size(std::uint8_t desfmt);
// Formats 2h/3h carry SNSID/SOPT (cross-namespace); 1h/3h carry the 80-bit tag.
constexpr bool is_cross_namespace_format(std::uint8_t desfmt) { return desfmt >= 2; }
constexpr bool is_wide_tag_format(std::uint8_t desfmt) { return (desfmt & 1U) != 0; }

struct CopyCommand {
  std::uint32_t nsid = 0;
  std::uint32_t cdw2 = 0;
  std::uint32_t lbtu = 0;  // CDW3
  std::uint64_t sdlba = 0;
  std::uint8_t nr = 0;      // 0's based number of ranges
  std::uint8_t desfmt = 0;  // 4 bits
  std::uint8_t prinfor = 0;
  std::uint8_t cetype = 0;
  std::uint8_t dtype = 0;
  bool stcw = false;
  bool stcr = false;
  std::uint8_t prinfow = 0;
  bool fua = false;
  bool lr = false;
  std::uint16_t cev = 0;
  std::uint16_t dspec = 0;
  std::uint32_t lbtl = 0;  // CDW14, write-side ILBRT
  std::uint16_t lbat = 0;
  std::uint16_t lbatm = 0;

  std::size_t range_count() const { return std::size_t{nr} + 1; }
  friend bool operator==(const CopyCommand&, const CopyCommand&) = default;
};

// One source range, any format. Fields a format lacks are 0 after decoding.
struct SourceRange {
  std::uint32_t snsid = 0;  // 2h/3h
  std::uint64_t slba = 0;
  std::uint16_t nlb = 0;    // 0's based
  std::uint16_t sopt = 0;   // 2h/3h
  // ELBST/EILBRT: 0h/2h use the low 32 bits; 1h/3h use all 80 (upper 16 in *_upper).
  std::uint64_t elbst_eilbrt = 0;
  std::uint16_t elbst_eilbrt_upper = 0;
  std::uint16_t elbat = 0;
  std::uint16_t elbatm = 0;

  std::uint32_t blocks() const { return std::uint32_t{nlb} + 1; }
  friend bool operator==(const SourceRange&, const SourceRange&) = default;
};

// A range of `blocks` (1..65,536) at `slba`; refuses 0 and > 65,536 (offset 16, NLB).
ParseResult<SourceRange> source_range(std::uint64_t slba, std::uint32_t blocks);

// Total (fields masked to their widths). CID/MPTR/DPTR stay 0.
SubmissionEntry encode_copy(const CopyCommand& cmd);
// Errors: opcode not 19h (offset 0).
ParseResult<CopyCommand> decode_copy(const SubmissionEntry& sqe);

// (count) descriptors of `desfmt`, back to back. Encodes only the fields the format has.
std::vector<std::uint8_t> encode_source_ranges(std::uint8_t desfmt,
                                               std::span<const SourceRange> ranges);
// Errors (length first): unknown format (offset 0); fewer than count*size bytes (offset of
// the first descriptor that does not fit).
ParseResult<std::vector<SourceRange>> decode_source_ranges(std::span<const std::uint8_t> bytes,
                                                           std::uint8_t desfmt,
                                                           std::size_t count);

// A complete Copy: the SQE (NR set from the ranges) and the descriptor buffer to send.
// Refuses: 0 or > 256 ranges (SQE byte 48); DESFMT > 3 (SQE byte 49); a field the format
// cannot carry (the descriptor byte where it would go): SNSID/SOPT with 0h/1h, a tag
// above 32 bits with 0h/2h.
struct CopyRequest {
  SubmissionEntry sqe;
  std::vector<std::uint8_t> descriptors;
};
ParseResult<CopyRequest> build_copy(CopyCommand cmd, std::span<const SourceRange> ranges);

// ---- Limits and validation (NVMe Base 2.0 Identify Controller ONCS/OCFS; NVM Command Set
// 1.0 Identify Namespace MSSRL/MCL/MSRC and 3.2.2) ----------------------------------------

// Controller-wide facts from Identify Controller and Host Behavior Support.
struct ControllerCopyCaps {
  std::uint16_t oncs = 0;  // bit 8 Copy; bit 10 All Fast Copy
  std::uint16_t ocfs = 0;  // bit n: descriptor format n supported
  std::uint16_t cdfe = 0;  // Host Behavior Support CDFE: bit n enables format n (2h/3h)
  bool reject_overlap = false;  // answer 87h when a same-namespace source overlaps the
                                // destination run (TP4130 allows it; optional)
};

// Per-namespace facts from Identify Namespace (+ NVM-specific Identify Namespace).
struct NamespaceCopyInfo {
  std::uint32_t nsid = 0;
  std::uint64_t nsze = 0;    // blocks
  std::uint16_t mssrl = 0;   // blocks per range, 1-based
  std::uint32_t mcl = 0;     // blocks per command, 1-based
  std::uint8_t msrc = 0;     // ranges per command, 0's based
  std::uint8_t pi_type = 0;  // DPS bits 2:0
  std::uint8_t pif = 0;      // ELBAF PIF of the current format: 0 16b, 1 32b, 2 64b Guard
  std::uint32_t lba_data_size = 512;
  std::uint16_t metadata_size = 0;
};

// The status a conforming controller completes the Copy with, and DW0 (the index of the
// first range not copied; 0 for checks made before any range is processed).
struct CopyVerdict {
  Status status;
  std::uint32_t dw0 = 0;
  friend bool operator==(const CopyVerdict&, const CopyVerdict&) = default;
};

// Looks up a source namespace for formats 2h/3h; nullptr = not attached to the controller.
using NamespaceLookup = std::function<const NamespaceCopyInfo*(std::uint32_t nsid)>;

// Checks, in order (command-level checks first, DW0 = 0):
//   ONCS bit 8 clear -> 01h Invalid Command Opcode (0x4001)
//   DESFMT not in OCFS, or 2h/3h not enabled in CDFE -> 02h Invalid Field (0x4002)
//   range count != NR+1 (caller inconsistency) -> 0x4002
//   PI enabled and PRINFOR.PRACT != PRINFOW.PRACT -> 0x4002
//   NR > MSRC -> 83h Command Size Limit Exceeded (0x4183)
//   DESFMT family != namespace PIF (0h/2h need 16b Guard or no PI) -> 0Ah (0x410A; the code
//     QEMU 7.2 hw/nvme/ctrl.c uses; which code the spec names is not confirmed)
//   sum(NLB+1) > MCL -> 0x4183
// then per range k (DW0 = k):
//   2h/3h: SNSID not attached (lookup fails) -> 0Bh Invalid Namespace or Format (0x400B);
//          source LBA format (size, metadata, PIF) != destination -> 85h (0x4185)
//   NLB+1 > MSSRL of the source namespace -> 0x4183
//   source range past the source NSZE -> 80h LBA Out of Range (0x4080)
//   its destination run past the destination NSZE -> 0x4080
//   reject_overlap and the range overlaps [SDLBA, SDLBA+total) in the same namespace -> 0x4187
// Every error carries DNR. MSSRL 0 or MCL 0 therefore refuses every copy.
CopyVerdict validate_copy(const CopyCommand& cmd, std::span<const SourceRange> ranges,
                          const ControllerCopyCaps& caps, const NamespaceCopyInfo& destination,
                          const NamespaceLookup& sources = {});

// Progress from a completion (NVM Command Set 1.0 3.2.2, DW0): success -> every range; failure ->
// the ranges before DW0 (clamped to the count), which form a contiguous destination prefix.
struct CopyProgress {
  std::size_t ranges_copied = 0;
  std::uint64_t blocks_copied = 0;
  friend bool operator==(const CopyProgress&, const CopyProgress&) = default;
};
CopyProgress copy_progress(const Status& status, std::uint32_t dw0,
                           std::span<const SourceRange> ranges);

}  // namespace xg::nvme
