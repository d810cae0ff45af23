#include "translate/status_map.h"

#include <array>
#include <span>

#include "nvme/spec.h"

namespace xg::translate {
namespace {

using scsi::SenseKey;
using S = scsi::Status;

constexpr std::uint8_t kGeneric = nvme::sct_value(nvme::StatusCodeType::kGeneric);
constexpr std::uint8_t kCommandSpecific = nvme::sct_value(nvme::StatusCodeType::kCommandSpecific);
constexpr std::uint8_t kMedia = nvme::sct_value(nvme::StatusCodeType::kMediaAndDataIntegrity);
constexpr std::uint8_t kPath = nvme::sct_value(nvme::StatusCodeType::kPathRelated);

// NVM Express SCSI Translation Reference 1.5 (as Linux's old drivers/nvme/host/scsi.c and
// SPDK's lib/scsi/scsi_nvme.c implement it) and, marked, xgate's own choices for codes it
// does not cover.
constexpr std::array kRows{
    StatusMapRow{kGeneric, nvme::kScInvalidCommandOpcode, S::kCheckCondition,
                 SenseKey::kIllegalRequest, 0x20, 0x00},
    StatusMapRow{kGeneric, nvme::kScInvalidFieldInCommand, S::kCheckCondition,
                 SenseKey::kIllegalRequest, 0x24, 0x00},
    StatusMapRow{kGeneric, nvme::kScCommandIdConflict, S::kCheckCondition,
                 SenseKey::kIllegalRequest, 0x00, 0x00},
    StatusMapRow{kGeneric, nvme::kScDataTransferError, S::kCheckCondition, SenseKey::kMediumError,
                 0x00, 0x00},
    // TR: TASK ABORTED; the WARNING - POWER LOSS EXPECTED sense is not sent with it.
    StatusMapRow{kGeneric, nvme::kScCommandsAbortedDueToPowerLoss, S::kTaskAborted,
                 SenseKey::kAbortedCommand, 0x0B, 0x08},
    StatusMapRow{kGeneric, nvme::kScInternalError, S::kCheckCondition, SenseKey::kHardwareError,
                 0x44, 0x00},
    StatusMapRow{kGeneric, nvme::kScCommandAbortRequested, S::kTaskAborted,
                 SenseKey::kAbortedCommand, 0x00, 0x00},
    StatusMapRow{kGeneric, nvme::kScCommandAbortedDueToSqDeletion, S::kTaskAborted,
                 SenseKey::kAbortedCommand, 0x00, 0x00},
    StatusMapRow{kGeneric, nvme::kScCommandAbortedDueToFailedFusedCommand, S::kTaskAborted,
                 SenseKey::kAbortedCommand, 0x00, 0x00},
    StatusMapRow{kGeneric, nvme::kScCommandAbortedDueToMissingFusedCommand, S::kTaskAborted,
                 SenseKey::kAbortedCommand, 0x00, 0x00},
    StatusMapRow{kGeneric, nvme::kScInvalidNamespaceOrFormat, S::kCheckCondition,
                 SenseKey::kIllegalRequest, 0x20, 0x09},
    StatusMapRow{kGeneric, nvme::kScCommandSequenceError, S::kCheckCondition,
                 SenseKey::kIllegalRequest, 0x00, 0x00},
    // Not in the TR; xgate's choice: WRITE PROTECTED.
    StatusMapRow{kGeneric, nvme::kScNamespaceIsWriteProtected, S::kCheckCondition,
                 SenseKey::kDataProtect, 0x27, 0x00},
    // Not in the TR: retries are the initiator's (the LU does not retry); ABORTED COMMAND invites
    // one.
    StatusMapRow{kGeneric, nvme::kScCommandInterrupted, S::kCheckCondition,
                 SenseKey::kAbortedCommand, 0x00, 0x00},
    StatusMapRow{kGeneric, nvme::kScTransientTransportError, S::kCheckCondition,
                 SenseKey::kAbortedCommand, 0x00, 0x00},
    StatusMapRow{kGeneric, nvme::kScLbaOutOfRange, S::kCheckCondition, SenseKey::kIllegalRequest,
                 0x21, 0x00},
    StatusMapRow{kGeneric, nvme::kScCapacityExceeded, S::kCheckCondition, SenseKey::kMediumError,
                 0x00, 0x00},
    StatusMapRow{kGeneric, nvme::kScNamespaceNotReady, S::kCheckCondition, SenseKey::kNotReady,
                 0x04, 0x00},
    StatusMapRow{kGeneric, nvme::kScReservationConflict, S::kReservationConflict,
                 SenseKey::kNoSense, 0x00, 0x00},
    // xgate's choice: NOT READY, FORMAT IN PROGRESS rather than SPDK's 05 00/00.
    StatusMapRow{kGeneric, nvme::kScFormatInProgress, S::kCheckCondition, SenseKey::kNotReady, 0x04,
                 0x04},
    StatusMapRow{kCommandSpecific, nvme::kScInvalidFormat, S::kCheckCondition,
                 SenseKey::kIllegalRequest, 0x31, 0x01},
    StatusMapRow{kCommandSpecific, nvme::kScConflictingAttributes, S::kCheckCondition,
                 SenseKey::kIllegalRequest, 0x24, 0x00},
    StatusMapRow{kCommandSpecific, nvme::kScInvalidProtectionInformation, S::kCheckCondition,
                 SenseKey::kIllegalRequest, 0x00, 0x00},
    StatusMapRow{kCommandSpecific, nvme::kScAttemptedWriteToReadOnlyRange, S::kCheckCondition,
                 SenseKey::kDataProtect, 0x27, 0x00},
    // Not in the TR: a split the LU got wrong; reported as an invalid field rather than hidden.
    StatusMapRow{kCommandSpecific, nvme::kScCommandSizeLimitExceeded, S::kCheckCondition,
                 SenseKey::kIllegalRequest, 0x24, 0x00},
    StatusMapRow{kCommandSpecific, nvme::kScInsufficientResources, S::kCheckCondition,
                 SenseKey::kAbortedCommand, 0x55, 0x03},
    StatusMapRow{kMedia, nvme::kScWriteFault, S::kCheckCondition, SenseKey::kMediumError, 0x03,
                 0x00},
    StatusMapRow{kMedia, nvme::kScUnrecoveredReadError, S::kCheckCondition, SenseKey::kMediumError,
                 0x11, 0x00},
    StatusMapRow{kMedia, nvme::kScEndToEndGuardCheckError, S::kCheckCondition,
                 SenseKey::kMediumError, 0x10, 0x01},
    StatusMapRow{kMedia, nvme::kScEndToEndApplicationTagCheckError, S::kCheckCondition,
                 SenseKey::kMediumError, 0x10, 0x02},
    StatusMapRow{kMedia, nvme::kScEndToEndReferenceTagCheckError, S::kCheckCondition,
                 SenseKey::kMediumError, 0x10, 0x03},
    StatusMapRow{kMedia, nvme::kScCompareFailure, S::kCheckCondition, SenseKey::kMiscompare, 0x1D,
                 0x00},
    // SPDK lib/scsi/scsi_nvme.c: DATA PROTECT, ACCESS DENIED - NO ACCESS RIGHTS.
    StatusMapRow{kMedia, nvme::kScAccessDenied, S::kCheckCondition, SenseKey::kDataProtect, 0x20,
                 0x02},
    StatusMapRow{kMedia, nvme::kScDeallocatedOrUnwrittenLogicalBlock, S::kCheckCondition,
                 SenseKey::kIllegalRequest, 0x00, 0x00},
    // Not in the TR; xgate's choice: ID CRC OR ECC ERROR.
    StatusMapRow{kMedia, nvme::kScEndToEndStorageTagCheckError, S::kCheckCondition,
                 SenseKey::kMediumError, 0x10, 0x00},
    // Not in the TR: ANA states, as the ALUA analogues.
    StatusMapRow{kPath, nvme::kScAsymmetricAccessPersistentLoss, S::kCheckCondition,
                 SenseKey::kNotReady, 0x04, 0x0C},
    StatusMapRow{kPath, nvme::kScAsymmetricAccessInaccessible, S::kCheckCondition,
                 SenseKey::kNotReady, 0x04, 0x0C},
    StatusMapRow{kPath, nvme::kScAsymmetricAccessTransition, S::kCheckCondition,
                 SenseKey::kNotReady, 0x04, 0x0A},
};

StatusMapRow default_row(std::uint8_t sct) {
  switch (sct) {
    case kMedia:
      return {sct, 0, S::kCheckCondition, SenseKey::kMediumError, 0x00, 0x00};
    case kPath:  // Not in the TR: 3/60h, 3/70h, 3/71h and the rest: the initiator may retry
      return {sct, 0, S::kCheckCondition, SenseKey::kAbortedCommand, 0x00, 0x00};
    default:
      return {sct, 0, S::kCheckCondition, SenseKey::kIllegalRequest, 0x00, 0x00};
  }
}

}  // namespace

std::span<const StatusMapRow> status_map_rows() { return kRows; }

TranslatedStatus translate_status(const nvme::Status& status, std::optional<std::uint64_t> lba) {
  if (status.ok()) return {};
  StatusMapRow row = default_row(status.sct);
  for (const StatusMapRow& candidate : kRows) {
    if (candidate.sct == status.sct && candidate.sc == status.sc) {
      row = candidate;
      break;
    }
  }
  TranslatedStatus out;
  out.status = row.status;
  if (row.status != S::kCheckCondition) return out;
  scsi::Sense sense;
  sense.key = row.key;
  sense.asc = row.asc;
  sense.ascq = row.ascq;
  if (row.key == SenseKey::kMediumError && lba) sense.information = lba;
  sense.why = "NVMe " + nvme::describe(status);
  out.sense = std::move(sense);
  return out;
}

}  // namespace xg::translate
