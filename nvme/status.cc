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
  StatusCodeType sct;
  std::uint8_t sc;
  std::string_view name;
};

// Spec names (Base 2.0, NVM Command Set 1.0, ZNS 1.1, TP4130). One row per code; the
// log line and the tests walk this table.
constexpr auto kGeneric = StatusCodeType::kGeneric;
constexpr auto kCommandSpecific = StatusCodeType::kCommandSpecific;
constexpr auto kMedia = StatusCodeType::kMediaAndDataIntegrity;
constexpr auto kPath = StatusCodeType::kPathRelated;

constexpr StatusNameRow kStatusNames[] = {
    {kGeneric, kScSuccessfulCompletion, "Successful Completion"},
    {kGeneric, kScInvalidCommandOpcode, "Invalid Command Opcode"},
    {kGeneric, kScInvalidFieldInCommand, "Invalid Field in Command"},
    {kGeneric, kScCommandIdConflict, "Command ID Conflict"},
    {kGeneric, kScDataTransferError, "Data Transfer Error"},
    {kGeneric, kScCommandsAbortedDueToPowerLoss, "Commands Aborted due to Power Loss Notification"},
    {kGeneric, kScInternalError, "Internal Error"},
    {kGeneric, kScCommandAbortRequested, "Command Abort Requested"},
    {kGeneric, kScCommandAbortedDueToSqDeletion, "Command Aborted due to SQ Deletion"},
    {kGeneric, kScCommandAbortedDueToFailedFusedCommand,
     "Command Aborted due to Failed Fused Command"},
    {kGeneric, kScCommandAbortedDueToMissingFusedCommand,
     "Command Aborted due to Missing Fused Command"},
    {kGeneric, kScInvalidNamespaceOrFormat, "Invalid Namespace or Format"},
    {kGeneric, kScCommandSequenceError, "Command Sequence Error"},
    {kGeneric, kScDataSglLengthInvalid, "Data SGL Length Invalid"},
    {kGeneric, kScMetadataSglLengthInvalid, "Metadata SGL Length Invalid"},
    {kGeneric, kScNamespaceIsWriteProtected, "Namespace is Write Protected"},
    {kGeneric, kScCommandInterrupted, "Command Interrupted"},
    {kGeneric, kScTransientTransportError, "Transient Transport Error"},
    {kGeneric, kScLbaOutOfRange, "LBA Out of Range"},
    {kGeneric, kScCapacityExceeded, "Capacity Exceeded"},
    {kGeneric, kScNamespaceNotReady, "Namespace Not Ready"},
    {kGeneric, kScReservationConflict, "Reservation Conflict"},
    {kGeneric, kScFormatInProgress, "Format In Progress"},
    {kCommandSpecific, kScInvalidFormat, "Invalid Format"},
    {kCommandSpecific, kScConflictingAttributes, "Conflicting Attributes"},
    {kCommandSpecific, kScInvalidProtectionInformation, "Invalid Protection Information"},
    {kCommandSpecific, kScAttemptedWriteToReadOnlyRange, "Attempted Write to Read Only Range"},
    {kCommandSpecific, kScCommandSizeLimitExceeded, "Command Size Limit Exceeded"},
    {kCommandSpecific, kScIncompatibleNamespaceOrFormat, "Incompatible Namespace or Format"},
    {kCommandSpecific, kScFastCopyNotPossible, "Fast Copy Not Possible"},
    {kCommandSpecific, kScOverlappingIoRange, "Overlapping I/O Range"},
    {kCommandSpecific, kScInsufficientResources, "Insufficient Resources"},
    {kCommandSpecific, kScInvalidZoneOperationRequest, "Invalid Zone Operation Request"},
    {kCommandSpecific, kScZrwaResourcesUnavailable, "ZRWA Resources Unavailable"},
    {kCommandSpecific, kScZoneBoundaryError, "Zone Boundary Error"},
    {kCommandSpecific, kScZoneIsFull, "Zone Is Full"},
    {kCommandSpecific, kScZoneIsReadOnly, "Zone Is Read Only"},
    {kCommandSpecific, kScZoneIsOffline, "Zone Is Offline"},
    {kCommandSpecific, kScZoneInvalidWrite, "Zone Invalid Write"},
    {kCommandSpecific, kScTooManyActiveZones, "Too Many Active Zones"},
    {kCommandSpecific, kScTooManyOpenZones, "Too Many Open Zones"},
    {kCommandSpecific, kScInvalidZoneStateTransition, "Invalid Zone State Transition"},
    {kMedia, kScWriteFault, "Write Fault"},
    {kMedia, kScUnrecoveredReadError, "Unrecovered Read Error"},
    {kMedia, kScEndToEndGuardCheckError, "End-to-end Guard Check Error"},
    {kMedia, kScEndToEndApplicationTagCheckError, "End-to-end Application Tag Check Error"},
    {kMedia, kScEndToEndReferenceTagCheckError, "End-to-end Reference Tag Check Error"},
    {kMedia, kScCompareFailure, "Compare Failure"},
    {kMedia, kScAccessDenied, "Access Denied"},
    {kMedia, kScDeallocatedOrUnwrittenLogicalBlock, "Deallocated or Unwritten Logical Block"},
    {kMedia, kScEndToEndStorageTagCheckError, "End-to-end Storage Tag Check Error"},
    {kPath, kScInternalPathError, "Internal Path Error"},
    {kPath, kScAsymmetricAccessPersistentLoss, "Asymmetric Access Persistent Loss"},
    {kPath, kScAsymmetricAccessInaccessible, "Asymmetric Access Inaccessible"},
    {kPath, kScAsymmetricAccessTransition, "Asymmetric Access Transition"},
    {kPath, kScControllerPathingError, "Controller Pathing Error"},
    {kPath, kScHostPathingError, "Host Pathing Error"},
    {kPath, kScCommandAbortedByHost, "Command Aborted By Host"},
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
    if (row.sct == status.type() && row.sc == status.sc) return row.name;
  }
  if (status.type() == StatusCodeType::kVendorSpecific || status.sc >= 0xC0) {
    return "Vendor Specific";
  }
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
