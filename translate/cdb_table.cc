#include "translate/cdb_table.h"

#include <array>

#include "base/bits.h"

namespace xg::translate {
namespace {

constexpr std::uint8_t kControl = 0xC0;  // vendor specific b7:6 only (see the header)

using U = std::array<std::uint8_t, 16>;

// Usage data per command (SPC-4 / SBC-4 CDB figures). RDPROTECT/WRPROTECT/VRPROTECT are
// never allowed: the LU reports PROTECT=0 (SBC-4 4.22.2: non-zero is an invalid field).
// GROUP NUMBER is accepted and ignored (SBC-4 4.25: no grouping function).
constexpr std::array kTable{
    CdbInfo{opcode::kTestUnitReady, {}, 6, U{0x00, 0, 0, 0, 0, kControl}, Requirement::kNone,
            "TEST UNIT READY"},
    // byte 1 b0 DESC
    CdbInfo{opcode::kRequestSense, {}, 6, U{0x03, 0x01, 0, 0, 0xFF, kControl},
            Requirement::kNone, "REQUEST SENSE"},
    // byte 1 b4:0 + bytes 2-3 LBA, byte 4 TRANSFER LENGTH
    CdbInfo{opcode::kRead6, {}, 6, U{0x08, 0x1F, 0xFF, 0xFF, 0xFF, kControl}, Requirement::kNone,
            "READ(6)"},
    CdbInfo{opcode::kWrite6, {}, 6, U{0x0A, 0x1F, 0xFF, 0xFF, 0xFF, kControl},
            Requirement::kNone, "WRITE(6)"},
    // byte 1 b0 EVPD (b1 CMDDT obsolete, rejected), byte 2 PAGE CODE, 3-4 ALLOCATION LENGTH
    CdbInfo{opcode::kInquiry, {}, 6, U{0x12, 0x01, 0xFF, 0xFF, 0xFF, kControl},
            Requirement::kNone, "INQUIRY"},
    // byte 1 b4 PF, b0 SP; byte 4 PARAMETER LIST LENGTH
    CdbInfo{opcode::kModeSelect6, {}, 6, U{0x15, 0x11, 0, 0, 0xFF, kControl}, Requirement::kNone,
            "MODE SELECT(6)"},
    // byte 1 b3 DBD; byte 2 PC b7:6 + PAGE CODE b5:0; byte 3 SUBPAGE CODE; byte 4 ALLOCATION
    CdbInfo{opcode::kModeSense6, {}, 6, U{0x1A, 0x08, 0xFF, 0xFF, 0xFF, kControl},
            Requirement::kNone, "MODE SENSE(6)"},
    // bytes 2-5 LOGICAL BLOCK ADDRESS and byte 8 b0 PMI (obsolete in SBC-4, still checked)
    CdbInfo{opcode::kReadCapacity10, {}, 10,
            U{0x25, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0x01, kControl}, Requirement::kNone,
            "READ CAPACITY(10)"},
    // byte 1 b4 DPO, b3 FUA, b2 RARC, b1 FUA_NV (obsolete, ignored)
    CdbInfo{opcode::kRead10, {}, 10, U{0x28, 0x1E, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF,
                                       kControl},
            Requirement::kNone, "READ(10)"},
    // byte 1 b4 DPO, b3 FUA, b1 FUA_NV
    CdbInfo{opcode::kWrite10, {}, 10, U{0x2A, 0x1A, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF,
                                        kControl},
            Requirement::kNone, "WRITE(10)"},
    // byte 1 b4 DPO, b2:1 BYTCHK
    CdbInfo{opcode::kWriteAndVerify10, {}, 10,
            U{0x2E, 0x16, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, kControl}, Requirement::kNone,
            "WRITE AND VERIFY(10)"},
    CdbInfo{opcode::kVerify10, {}, 10, U{0x2F, 0x16, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF,
                                         kControl},
            Requirement::kNone, "VERIFY(10)"},
    // PRE-FETCH (SBC-4 5.10, 5.11): byte 1 b1 IMMED; LBA and PREFETCH LENGTH checked.
    // NVMe has no prefetch hint, so nothing is cached and the answer is GOOD (SBC-4:
    // GOOD when the blocks will not all fit in the cache, CONDITION MET otherwise).
    CdbInfo{opcode::kPreFetch10, {}, 10,
            U{0x34, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, kControl}, Requirement::kNone,
            "PRE-FETCH(10)"},
    // byte 1 b1 IMMED, b2 SYNC_NV (obsolete); LBA and NUMBER OF LOGICAL BLOCKS are
    // accepted and ignored: NVMe Flush has no range (SBC-4 5.31 allows syncing more).
    CdbInfo{opcode::kSynchronizeCache10, {}, 10,
            U{0x35, 0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, kControl}, Requirement::kNone,
            "SYNCHRONIZE CACHE(10)"},
    // byte 1 b3 UNMAP (ANCHOR b4 rejected: ANC_SUP=0; PBDATA/LBDATA obsolete, rejected)
    CdbInfo{opcode::kWriteSame10, {}, 10,
            U{0x41, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, kControl}, Requirement::kNone,
            "WRITE SAME(10)"},
    // byte 1 b0 ANCHOR rejected; bytes 7-8 PARAMETER LIST LENGTH
    CdbInfo{opcode::kUnmap, {}, 10, U{0x42, 0x00, 0, 0, 0, 0, 0x1F, 0xFF, 0xFF, kControl},
            Requirement::kDeallocate, "UNMAP"},
    CdbInfo{opcode::kModeSelect10, {}, 10, U{0x55, 0x11, 0, 0, 0, 0, 0, 0xFF, 0xFF, kControl},
            Requirement::kNone, "MODE SELECT(10)"},
    // byte 1 b4 LLBAA, b3 DBD
    CdbInfo{opcode::kModeSense10, {}, 10,
            U{0x5A, 0x18, 0xFF, 0xFF, 0, 0, 0, 0xFF, 0xFF, kControl}, Requirement::kNone,
            "MODE SENSE(10)"},
    CdbInfo{opcode::kRead16, {}, 16,
            U{0x88, 0x1E, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
              0x1F, kControl},
            Requirement::kNone, "READ(16)"},
    // bytes 10-12 reserved, byte 13 NUMBER OF LOGICAL BLOCKS
    CdbInfo{opcode::kCompareAndWrite, {}, 16,
            U{0x89, 0x1A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0xFF, 0x1F,
              kControl},
            Requirement::kCompareAndWrite, "COMPARE AND WRITE"},
    CdbInfo{opcode::kWrite16, {}, 16,
            U{0x8A, 0x1A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
              0x1F, kControl},
            Requirement::kNone, "WRITE(16)"},
    CdbInfo{opcode::kWriteAndVerify16, {}, 16,
            U{0x8E, 0x16, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
              0x1F, kControl},
            Requirement::kNone, "WRITE AND VERIFY(16)"},
    CdbInfo{opcode::kVerify16, {}, 16,
            U{0x8F, 0x16, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
              0x1F, kControl},
            Requirement::kNone, "VERIFY(16)"},
    CdbInfo{opcode::kPreFetch16, {}, 16,
            U{0x90, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
              0x1F, kControl},
            Requirement::kNone, "PRE-FETCH(16)"},
    CdbInfo{opcode::kSynchronizeCache16, {}, 16,
            U{0x91, 0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
              0x1F, kControl},
            Requirement::kNone, "SYNCHRONIZE CACHE(16)"},
    // Third-party copy (SPC-4 6.3-6.5, 6.18-6.26), executed by the copy manager:
    // bytes 10-13 PARAMETER LIST LENGTH / ALLOCATION LENGTH, byte 2 the LID1 LIST
    // IDENTIFIER of the retrieval service actions.
    CdbInfo{opcode::kThirdPartyCopyOut, std::uint8_t{0x00}, 16,
            U{0x83, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, kControl},
            Requirement::kCopyManager, "EXTENDED COPY(LID1)"},
    CdbInfo{opcode::kThirdPartyCopyOut, std::uint8_t{0x01}, 16,
            U{0x83, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, kControl},
            Requirement::kCopyManager, "EXTENDED COPY(LID4)"},
    // bytes 2-5 LIST IDENTIFIER (SPC-4 6.3)
    CdbInfo{opcode::kThirdPartyCopyOut, std::uint8_t{0x1C}, 16,
            U{0x83, 0x1C, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, kControl},
            Requirement::kCopyManager, "COPY OPERATION ABORT"},
    CdbInfo{opcode::kThirdPartyCopyIn, std::uint8_t{0x00}, 16,
            U{0x84, 0x00, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, kControl},
            Requirement::kCopyManager, "RECEIVE COPY STATUS(LID1)"},
    CdbInfo{opcode::kThirdPartyCopyIn, std::uint8_t{0x01}, 16,
            U{0x84, 0x01, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, kControl},
            Requirement::kCopyManager, "RECEIVE COPY DATA(LID1)"},
    CdbInfo{opcode::kThirdPartyCopyIn, std::uint8_t{0x03}, 16,
            U{0x84, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, kControl},
            Requirement::kCopyManager, "RECEIVE COPY OPERATING PARAMETERS"},
    CdbInfo{opcode::kThirdPartyCopyIn, std::uint8_t{0x04}, 16,
            U{0x84, 0x04, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, kControl},
            Requirement::kCopyManager, "RECEIVE COPY FAILURE DETAILS(LID1)"},
    // bytes 2-5 LIST IDENTIFIER (SPC-4 6.23)
    CdbInfo{opcode::kThirdPartyCopyIn, std::uint8_t{0x05}, 16,
            U{0x84, 0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, kControl},
            Requirement::kCopyManager, "RECEIVE COPY STATUS(LID4)"},
    CdbInfo{opcode::kThirdPartyCopyIn, std::uint8_t{0x06}, 16,
            U{0x84, 0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, kControl},
            Requirement::kCopyManager, "RECEIVE COPY DATA(LID4)"},
    // byte 1 b3 UNMAP, b0 NDOB
    CdbInfo{opcode::kWriteSame16, {}, 16,
            U{0x93, 0x09, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
              0x1F, kControl},
            Requirement::kNone, "WRITE SAME(16)"},
    // SERVICE ACTION IN(16) / READ CAPACITY(16): bytes 2-9 LBA and byte 14 b0 PMI obsolete,
    // checked as for READ CAPACITY(10); bytes 10-13 ALLOCATION LENGTH
    CdbInfo{opcode::kServiceActionIn16, kSaReadCapacity16, 16,
            U{0x9E, kSaReadCapacity16, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
              0xFF, 0xFF, 0x01, kControl},
            Requirement::kNone, "READ CAPACITY(16)"},
    // GET LBA STATUS(16) (SBC-4 5.7): bytes 2-9 STARTING LBA, 10-13 ALLOCATION LENGTH.
    // Mandatory when LBPME=1 (SBC-4 4.7.3); QEMU's iscsi driver asks for it.
    CdbInfo{opcode::kServiceActionIn16, kSaGetLbaStatus, 16,
            U{0x9E, kSaGetLbaStatus, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
              0xFF, 0xFF, 0, kControl},
            Requirement::kNone, "GET LBA STATUS(16)"},
    // Answered by the target (scsi_target.h) for every LUN; listed because the device
    // server does process it (SPC-4 6.33).
    CdbInfo{opcode::kReportLuns, {}, 12,
            U{0xA0, 0, 0xFF, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, kControl}, Requirement::kNone,
            "REPORT LUNS"},
    // byte 2 b7 RCTD, b2:0 REPORTING OPTIONS; byte 3 REQUESTED OPERATION CODE; bytes 4-5
    // REQUESTED SERVICE ACTION; bytes 6-9 ALLOCATION LENGTH
    CdbInfo{opcode::kMaintenanceIn, kSaReportSupportedOperationCodes, 12,
            U{0xA3, kSaReportSupportedOperationCodes, 0x87, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
              0xFF, 0, kControl},
            Requirement::kNone, "REPORT SUPPORTED OPERATION CODES"},
    CdbInfo{opcode::kRead12, {}, 12,
            U{0xA8, 0x1E, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, kControl},
            Requirement::kNone, "READ(12)"},
    CdbInfo{opcode::kWrite12, {}, 12,
            U{0xAA, 0x1A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, kControl},
            Requirement::kNone, "WRITE(12)"},
    // byte 1 b4 DPO, b2:1 BYTCHK (SBC-4 5.46, 5.38)
    CdbInfo{opcode::kWriteAndVerify12, {}, 12,
            U{0xAE, 0x16, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, kControl},
            Requirement::kNone, "WRITE AND VERIFY(12)"},
    CdbInfo{opcode::kVerify12, {}, 12,
            U{0xAF, 0x16, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, kControl},
            Requirement::kNone, "VERIFY(12)"},
};

}  // namespace

std::span<const CdbInfo> cdb_table() { return kTable; }

const CdbInfo* find_cdb(std::uint8_t operation_code, std::uint8_t service_action) {
  for (const CdbInfo& info : kTable) {
    if (info.operation_code != operation_code) continue;
    if (!info.service_action || *info.service_action == service_action) return &info;
  }
  return nullptr;
}

bool has_service_actions(std::uint8_t operation_code) {
  for (const CdbInfo& info : kTable) {
    if (info.operation_code == operation_code && info.service_action) return true;
  }
  return false;
}

scsi::Result<void> validate_cdb(const CdbInfo& info, std::span<const std::uint8_t> cdb) {
  if (cdb.size() < info.length) {
    return scsi::Sense::invalid_command_operation_code(scsi::FieldRef::cdb(0))
        .because("CDB shorter than the command's CDB SIZE");
  }
  for (std::size_t at = 1; at < info.length; ++at) {
    // Byte 1 of a service-action command: the SA itself is matched, b7:5 are reserved.
    const std::uint8_t allowed =
        at == 1 && info.service_action ? std::uint8_t{0x1F} : info.usage[at];
    const auto stray = static_cast<std::uint8_t>(cdb[at] & ~allowed);
    if (stray != 0) {
      return scsi::Sense::invalid_field_in_cdb(
                 scsi::FieldRef::cdb(at, base::highest_bit(stray)))
          .because("reserved or unsupported bit set in the CDB");
    }
  }
  return base::Ok{};
}

}  // namespace xg::translate
