// Identify data structures (Admin 06h), 4096 bytes each, little-endian, decoded into
// native fields and encoded back (tests and the emulated controller produce them).
//
//   CNS 01h  Identify Controller     NVMe Base Specification 2.0, Figure "Identify -
//                                    Identify Controller Data Structure"
//   CNS 00h  Identify Namespace      NVM Command Set 1.0, Figure "Identify - Identify
//                                    Namespace Data Structure, NVM Command Set"
//   CNS 05h  NVM Command Set specific Identify Namespace (CSI 00h), NVM Command Set 1.0
//            Figure "I/O Command Set Specific Identify Namespace Data Structure"
//   CNS 05h  Zoned Namespace specific Identify Namespace (CSI 02h), ZNS Command Set 1.1
//
// Offsets (bytes, spec style "hi:lo") are next to each field and were checked against
// libnvme 1.3's src/nvme/types.h with offsetof (ONCS 520, OCFS 534, MSSRL 74, MCL 76,
// MSRC 80, LBAF 128). Fields not modelled are written as zero and ignored when decoding.
//
// There are no controller-level copy limits: MSSRL/MCL/MSRC are per namespace. The
// controller says Copy is supported (ONCS bit 8) and which descriptor formats (OCFS
// bit n = format n; bits 2/3 = cross-namespace formats 2h/3h, TP4130).
//
// Errors (ParseError): fewer than 4096 bytes (offset = the buffer size, i.e. the first
// missing byte); for Identify Namespace also NLBAF > 63 (offset 25), an FLBAS format index
// above NLBAF (offset 26), and a current format whose LBADS is not 9..31 (offset of that
// LBADS byte). Bytes beyond 4096 are ignored.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nvme/copy_command.h"
#include "nvme/parse_error.h"
#include "nvme/spec.h"

namespace xg::nvme {

struct IdentifyController {
  std::uint16_t vid = 0;      // 1:0 PCI Vendor ID
  std::uint16_t ssvid = 0;    // 3:2 PCI Subsystem Vendor ID
  std::string sn;             // 23:4 Serial Number (ASCII, space padded; stored trimmed)
  std::string mn;             // 63:24 Model Number
  std::string fr;             // 71:64 Firmware Revision
  std::uint8_t rab = 0;       // 72 Recommended Arbitration Burst
  std::uint32_t ieee = 0;     // 75:73 IEEE OUI (24 bits)
  std::uint8_t cmic = 0;      // 76
  std::uint8_t mdts = 0;      // 77 Maximum Data Transfer Size, 2^n x CAP.MPSMIN; 0 = none
  std::uint16_t cntlid = 0;   // 79:78
  std::uint32_t ver = 0;      // 83:80 (never gate Copy on it: QEMU 7.2 says 1.4)
  std::uint32_t oaes = 0;     // 95:92
  std::uint32_t ctratt = 0;   // 99:96
  std::uint16_t crdt1 = 0;    // 129:128 Command Retry Delay Time 1 (100 ms units)
  std::uint16_t crdt2 = 0;    // 131:130
  std::uint16_t crdt3 = 0;    // 133:132
  std::uint16_t oacs = 0;     // 257:256
  std::uint8_t sqes = 0;      // 512
  std::uint8_t cqes = 0;      // 513
  std::uint16_t maxcmd = 0;   // 515:514
  std::uint32_t nn = 0;       // 519:516 Number of Namespaces
  std::uint16_t oncs = 0;     // 521:520 Optional NVM Command Support (kOncs*)
  std::uint16_t fuses = 0;    // 523:522 Fused Operation Support (bit 0 compare and write)
  std::uint8_t fna = 0;       // 524
  std::uint8_t vwc = 0;       // 525 Volatile Write Cache (bit 0 present)
  std::uint16_t awun = 0;     // 527:526 0's based
  std::uint16_t awupf = 0;    // 529:528 0's based
  std::uint8_t icsvscc = 0;   // 530
  std::uint8_t nwpc = 0;      // 531
  std::uint16_t acwu = 0;     // 533:532
  std::uint16_t ocfs = 0;     // 535:534 Optional Copy Formats Supported
  std::uint32_t sgls = 0;     // 539:536
  std::uint32_t mnan = 0;     // 543:540
  std::string subnqn;         // 1023:768 NVM Subsystem NQN (UTF-8, NUL padded; trimmed)

  bool supports_copy() const { return (oncs & kOncsCopy) != 0; }
  bool supports_copy_format(std::uint8_t desfmt) const {
    return desfmt < 16 && ((ocfs >> desfmt) & 1U) != 0;
  }
  // Cross-namespace copy (TP4130) = descriptor format 2h or 3h supported.
  bool supports_cross_namespace_copy() const { return (ocfs & 0x000CU) != 0; }
  bool volatile_write_cache() const { return (vwc & 1U) != 0; }
  bool supports_compare_and_write() const { return (fuses & kFusesCompareAndWrite) != 0; }
  friend bool operator==(const IdentifyController&, const IdentifyController&) = default;
};

// LBA Format Data Structure, LBAF[i] at 128 + 4i: 15:0 MS, 23:16 LBADS, 25:24 RP.
struct LbaFormat {
  std::uint16_t ms = 0;     // metadata bytes per block
  std::uint8_t lbads = 0;   // block size = 2^LBADS (9 = 512); 0 = format not available
  std::uint8_t rp = 0;      // Relative Performance, 2 bits
  friend bool operator==(const LbaFormat&, const LbaFormat&) = default;
};

inline constexpr std::size_t kMaxLbaFormats = 64;

struct IdentifyNamespace {
  std::uint64_t nsze = 0;      // 7:0 Namespace Size (blocks)
  std::uint64_t ncap = 0;      // 15:8
  std::uint64_t nuse = 0;      // 23:16
  std::uint8_t nsfeat = 0;     // 24 bit 1 NSABP, bit 4 OPTPERF
  std::uint8_t nlbaf = 0;      // 25 Number of LBA Formats, 0's based
  std::uint8_t flbas = 0;      // 26 3:0 index low, 4 extended metadata, 6:5 index high
  std::uint8_t mc = 0;         // 27
  std::uint8_t dpc = 0;        // 28
  std::uint8_t dps = 0;        // 29 2:0 PI type, bit 3 PI first
  std::uint8_t nmic = 0;       // 30
  std::uint8_t rescap = 0;     // 31
  std::uint8_t fpi = 0;        // 32
  std::uint8_t dlfeat = 0;     // 33
  std::uint16_t nawun = 0;     // 35:34
  std::uint16_t nawupf = 0;    // 37:36
  std::uint16_t nacwu = 0;     // 39:38
  std::uint16_t nabsn = 0;     // 41:40
  std::uint16_t nabo = 0;      // 43:42
  std::uint16_t nabspf = 0;    // 45:44
  std::uint16_t noiob = 0;     // 47:46 Namespace Optimal I/O Boundary
  std::array<std::uint8_t, 16> nvmcap{};  // 63:48 NVM Capacity (128-bit, bytes)
  std::uint16_t npwg = 0;      // 65:64 Preferred Write Granularity, 0's based
  std::uint16_t npwa = 0;      // 67:66 Preferred Write Alignment, 0's based
  std::uint16_t npdg = 0;      // 69:68 Preferred Deallocate Granularity, 0's based
  std::uint16_t npda = 0;      // 71:70 Preferred Deallocate Alignment, 0's based
  std::uint16_t nows = 0;      // 73:72 Optimal Write Size, 0's based
  std::uint16_t mssrl = 0;     // 75:74 Maximum Single Source Range Length (1-based)
  std::uint32_t mcl = 0;       // 79:76 Maximum Copy Length (1-based)
  std::uint8_t msrc = 0;       // 80 Maximum Source Range Count (0's based)
  std::uint8_t nulbaf = 0;     // 82 Number of Unique Attribute LBA Formats
  std::uint32_t anagrpid = 0;  // 95:92
  std::uint8_t nsattr = 0;     // 99 bit 0 write protected
  std::uint16_t nvmsetid = 0;  // 101:100
  std::uint16_t endgid = 0;    // 103:102
  std::array<std::uint8_t, 16> nguid{};  // 119:104
  std::array<std::uint8_t, 8> eui64{};   // 127:120
  std::array<LbaFormat, kMaxLbaFormats> lbaf{};  // 128 + 4i

  std::uint8_t lba_format_index() const {
    return static_cast<std::uint8_t>((flbas & 0x0FU) | (((flbas >> 5) & 0x3U) << 4));
  }
  bool extended_metadata() const { return (flbas & 0x10U) != 0; }  // FLBAS bit 4
  const LbaFormat& current_lba_format() const { return lbaf[lba_format_index()]; }
  // Valid after a successful decode (LBADS checked to be 9..31).
  std::uint32_t logical_block_size() const {
    return std::uint32_t{1} << (current_lba_format().lbads & 31U);
  }
  std::uint8_t pi_type() const { return dps & 0x7U; }
  friend bool operator==(const IdentifyNamespace&, const IdentifyNamespace&) = default;
};

// NVM Command Set specific (CNS 05h, CSI 00h): 7:0 LBSTM, 8 PIC, ELBAF[i] at 12 + 4i with
// bits 6:0 STS and 8:7 PIF (0 16b Guard, 1 32b Guard, 2 64b Guard).
struct ExtendedLbaFormat {
  std::uint8_t sts = 0;  // Storage Tag Size, 7 bits
  std::uint8_t pif = 0;  // Protection Information Format, 2 bits
  friend bool operator==(const ExtendedLbaFormat&, const ExtendedLbaFormat&) = default;
};
struct NvmIdentifyNamespace {
  std::uint64_t lbstm = 0;
  std::uint8_t pic = 0;
  std::array<ExtendedLbaFormat, kMaxLbaFormats> elbaf{};
  friend bool operator==(const NvmIdentifyNamespace&, const NvmIdentifyNamespace&) = default;
};

// ZNS specific (CNS 05h, CSI 02h): 1:0 ZOC, 3:2 OZCS (bit 0 RAZB: reads may cross zone
// boundaries), 7:4 MAR, 11:8 MOR (0's based), 15:12 RRL, 19:16 FRL; LBAFE[i] at 2816 + 16i
// with 7:0 ZSZE (zone size in blocks) and byte 8 ZDES.
struct ZoneFormatExtension {
  std::uint64_t zsze = 0;
  std::uint8_t zdes = 0;
  friend bool operator==(const ZoneFormatExtension&, const ZoneFormatExtension&) = default;
};
struct ZnsIdentifyNamespace {
  std::uint16_t zoc = 0;
  std::uint16_t ozcs = 0;
  std::uint32_t mar = 0;
  std::uint32_t mor = 0;
  std::uint32_t rrl = 0;
  std::uint32_t frl = 0;
  std::array<ZoneFormatExtension, kMaxLbaFormats> lbafe{};
  bool read_across_zone_boundaries() const { return (ozcs & 1U) != 0; }
  friend bool operator==(const ZnsIdentifyNamespace&, const ZnsIdentifyNamespace&) = default;
};

std::vector<std::uint8_t> encode_identify_controller(const IdentifyController& id);
ParseResult<IdentifyController> decode_identify_controller(std::span<const std::uint8_t> data);

std::vector<std::uint8_t> encode_identify_namespace(const IdentifyNamespace& id);
ParseResult<IdentifyNamespace> decode_identify_namespace(std::span<const std::uint8_t> data);

std::vector<std::uint8_t> encode_nvm_identify_namespace(const NvmIdentifyNamespace& id);
ParseResult<NvmIdentifyNamespace> decode_nvm_identify_namespace(
    std::span<const std::uint8_t> data);

std::vector<std::uint8_t> encode_zns_identify_namespace(const ZnsIdentifyNamespace& id);
ParseResult<ZnsIdentifyNamespace> decode_zns_identify_namespace(
    std::span<const std::uint8_t> data);

// The Copy validator's inputs from identify data. `nvm` (optional) supplies PIF of the
// current format; without it PIF is taken as 0 (16b Guard, or no PI).
ControllerCopyCaps controller_copy_caps(const IdentifyController& id, std::uint16_t cdfe = 0);
NamespaceCopyInfo namespace_copy_info(std::uint32_t nsid, const IdentifyNamespace& id,
                                      const NvmIdentifyNamespace* nvm = nullptr);

}  // namespace xg::nvme
