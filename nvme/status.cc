#include "nvme/status.h"

#include <cstdio>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "nvme/dword_bits.h"

namespace xg::nvme {
namespace {

using detail::flag;
using detail::flag_bit;
using detail::get8;
using detail::put;

struct StatusNameRow {
  std::uint8_t sct;
  std::uint8_t sc;
  std::string_view name;
};

// Spec names (Base 2.0, NVM Command Set 1.0, ZNS 1.1, TP4130). One row per code; the
// log line and the tests walk this table.
constexpr StatusNameRow kStatusNames[] = {
    {0, kScSuccessfulCompletion, "Successful Completion"},
    {0, kScInvalidCommandOpcode, "Invalid Command Opcode"},
    {0, kScInvalidFieldInCommand, "Invalid Field in Command"},
    {0, kScCommandIdConflict, "Command ID Conflict"},
    {0, kScDataTransferError, "Data Transfer Error"},
    {0, kScCommandsAbortedDueToPowerLoss, "Commands Aborted due to Power Loss Notification"},
    {0, kScInternalError, "Internal Error"},
    {0, kScCommandAbortRequested, "Command Abort Requested"},
    {0, kScCommandAbortedDueToSqDeletion, "Command Aborted due to SQ Deletion"},
    {0, kScCommandAbortedDueToFailedFusedCommand, "Command Aborted due to Failed Fused Command"},
    {0, kScCommandAbortedDueToMissingFusedCommand,
     "Command Aborted due to Missing Fused Command"},
    {0, kScInvalidNamespaceOrFormat, "Invalid Namespace or Format"},
    {0, kScCommandSequenceError, "Command Sequence Error"},
    {0, kScDataSglLengthInvalid, "Data SGL Length Invalid"},
    {0, kScMetadataSglLengthInvalid, "Metadata SGL Length Invalid"},
    {0, kScNamespaceIsWriteProtected, "Namespace is Write Protected"},
    {0, kScCommandInterrupted, "Command Interrupted"},
    {0, kScTransientTransportError, "Transient Transport Error"},
    {0, kScLbaOutOfRange, "LBA Out of Range"},
    {0, kScCapacityExceeded, "Capacity Exceeded"},
    {0, kScNamespaceNotReady, "Namespace Not Ready"},
    {0, kScReservationConflict, "Reservation Conflict"},
    {0, kScFormatInProgress, "Format In Progress"},
    {1, kScInvalidFormat, "Invalid Format"},
    {1, kScConflictingAttributes, "Conflicting Attributes"},
    {1, kScInvalidProtectionInformation, "Invalid Protection Information"},
    {1, kScAttemptedWriteToReadOnlyRange, "Attempted Write to Read Only Range"},
    {1, kScCommandSizeLimitExceeded, "Command Size Limit Exceeded"},
    {1, kScIncompatibleNamespaceOrFormat, "Incompatible Namespace or Format"},
    {1, kScFastCopyNotPossible, "Fast Copy Not Possible"},
    {1, kScOverlappingIoRange, "Overlapping I/O Range"},
    {1, kScInsufficientResources, "Insufficient Resources"},
    {1, kScInvalidZoneOperationRequest, "Invalid Zone Operation Request"},
    {1, kScZrwaResourcesUnavailable, "ZRWA Resources Unavailable"},
    {1, kScZoneBoundaryError, "Zone Boundary Error"},
    {1, kScZoneIsFull, "Zone Is Full"},
    {1, kScZoneIsReadOnly, "Zone Is Read Only"},
    {1, kScZoneIsOffline, "Zone Is Offline"},
    {1, kScZoneInvalidWrite, "Zone Invalid Write"},
    {1, kScTooManyActiveZones, "Too Many Active Zones"},
    {1, kScTooManyOpenZones, "Too Many Open Zones"},
    {1, kScInvalidZoneStateTransition, "Invalid Zone State Transition"},
    {2, kScWriteFault, "Write Fault"},
    {2, kScUnrecoveredReadError, "Unrecovered Read Error"},
    {2, kScEndToEndGuardCheckError, "End-to-end Guard Check Error"},
    {2, kScEndToEndApplicationTagCheckError, "End-to-end Application Tag Check Error"},
    {2, kScEndToEndReferenceTagCheckError, "End-to-end Reference Tag Check Error"},
    {2, kScCompareFailure, "Compare Failure"},
    {2, kScAccessDenied, "Access Denied"},
    {2, kScDeallocatedOrUnwrittenLogicalBlock, "Deallocated or Unwritten Logical Block"},
    {2, kScEndToEndStorageTagCheckError, "End-to-end Storage Tag Check Error"},
    {3, kScInternalPathError, "Internal Path Error"},
    {3, kScAsymmetricAccessPersistentLoss, "Asymmetric Access Persistent Loss"},
    {3, kScAsymmetricAccessInaccessible, "Asymmetric Access Inaccessible"},
    {3, kScAsymmetricAccessTransition, "Asymmetric Access Transition"},
    {3, kScControllerPathingError, "Controller Pathing Error"},
    {3, kScHostPathingError, "Host Pathing Error"},
    {3, kScCommandAbortedByHost, "Command Aborted By Host"},
};

constexpr std::string_view kSctNames[8] = {
    "Generic Command Status", "Command Specific Status", "Media and Data Integrity Errors",
    "Path Related Status",    "Reserved",                "Reserved",
    "Reserved",               "Vendor Specific",
};

}  // namespace

// Status Field bit n (n >= 1) is Linux value bit n-1 (drivers/nvme/host: the driver
// returns the CQE status shifted right by one, without the phase tag).
std::uint16_t Status::to_status_field(bool phase) const {
  const std::uint32_t dw = put<8, 1>(sc) | put<11, 9>(sct) | put<13, 12>(crd) |
                           flag_bit(more, 14) | flag_bit(dnr, 15) | flag_bit(phase, 0);
  return static_cast<std::uint16_t>(dw);
}

Status Status::from_status_field(std::uint16_t field) {
  return {get8<11, 9>(field), get8<8, 1>(field), get8<13, 12>(field), flag(field, 14),
          flag(field, 15)};
}

std::uint16_t Status::to_linux() const {
  return static_cast<std::uint16_t>(to_status_field(false) >> 1);
}

Status Status::from_linux(std::uint16_t value) {
  return from_status_field(static_cast<std::uint16_t>((value & 0x7FFFU) << 1));
}

std::string_view status_code_type_name(std::uint8_t sct) { return kSctNames[sct & 7U]; }

std::string_view status_name(const Status& status) {
  for (const auto& row : kStatusNames) {
    if (row.sct == status.sct && row.sc == status.sc) return row.name;
  }
  if (status.sct == 7 || status.sc >= 0xC0) return "Vendor Specific";
  return "Reserved";
}

std::string describe(const Status& status) {
  char codes[64];
  std::snprintf(codes, sizeof codes, " (SCT %Xh SC %02Xh%s%s", unsigned{status.sct},
                unsigned{status.sc}, status.dnr ? ", DNR" : "", status.more ? ", More" : "");
  std::string out(status_name(status));
  out += codes;
  if (status.crd != 0) out += ", CRD " + std::to_string(status.crd);
  char linux_value[16];
  std::snprintf(linux_value, sizeof linux_value, ") [0x%04X]", unsigned{status.to_linux()});
  return out + linux_value;
}

CompletionDw3 decode_dw3(std::uint32_t dw3) {
  const auto field = static_cast<std::uint16_t>(dw3 >> 16);
  return {static_cast<std::uint16_t>(dw3 & 0xFFFFU), flag(field, 0),
          Status::from_status_field(field)};
}

std::uint32_t encode_dw3(const CompletionDw3& dw3) {
  return std::uint32_t{dw3.cid} | (std::uint32_t{dw3.status.to_status_field(dw3.phase)} << 16);
}

std::array<std::uint8_t, kCompletionEntrySize> encode_completion(const CompletionEntry& cqe) {
  base::ByteWriter w(kCompletionEntrySize);
  w.le32(cqe.dw0);
  w.le32(cqe.dw1);
  w.le16(cqe.sqhd);
  w.le16(cqe.sqid);
  w.le32(encode_dw3({cqe.cid, cqe.phase, cqe.status}));
  std::array<std::uint8_t, kCompletionEntrySize> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = w.data()[i];
  return out;
}

ParseResult<CompletionEntry> decode_completion(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != kCompletionEntrySize) {
    return ParseError{bytes.size() < kCompletionEntrySize ? bytes.size() : kCompletionEntrySize,
                      "a completion queue entry is 16 bytes"};
  }
  base::ByteReader r(bytes);
  CompletionEntry cqe;
  cqe.dw0 = r.le32();
  cqe.dw1 = r.le32();
  cqe.sqhd = r.le16();
  cqe.sqid = r.le16();
  const CompletionDw3 dw3 = decode_dw3(r.le32());
  cqe.cid = dw3.cid;
  cqe.phase = dw3.phase;
  cqe.status = dw3.status;
  return cqe;
}

}  // namespace xg::nvme
