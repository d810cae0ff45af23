#include "translate/copy_retry.h"

#include <algorithm>

#include "nvme/spec.h"

namespace xg::translate {

CopyRecovery copy_recovery(const nvme::Status& status, bool copy_command) {
  using nvme::StatusCodeType;
  const auto mover_or_fail = copy_command ? CopyRecovery::kDataMover : CopyRecovery::kFail;
  switch (status.type()) {
    case StatusCodeType::kGeneric:
      switch (status.sc) {
        case nvme::kScCommandInterrupted:
        case nvme::kScTransientTransportError:
        case nvme::kScNamespaceNotReady:
        case nvme::kScReservationConflict:
        case nvme::kScFormatInProgress:
          return status.dnr ? CopyRecovery::kFail : CopyRecovery::kRetryLater;
        case nvme::kScInternalError:
          return status.dnr ? CopyRecovery::kFail : CopyRecovery::kRetryOnce;
        case nvme::kScInvalidCommandOpcode:   // Copy claimed in ONCS but refused
        case nvme::kScInvalidFieldInCommand:  // 0x4002: a field the device dislikes
          return mover_or_fail;
        default:
          return CopyRecovery::kFail;
      }
    case StatusCodeType::kCommandSpecific:
      switch (status.sc) {
        case nvme::kScCommandSizeLimitExceeded:       // 0x4183: limits misread
        case nvme::kScInvalidFormat:                  // 0x410A
        case nvme::kScIncompatibleNamespaceOrFormat:  // 0x4185
        case nvme::kScFastCopyNotPossible:            // 0x4186
        case nvme::kScOverlappingIoRange:             // 0x4187
          return mover_or_fail;
        case nvme::kScInsufficientResources:  // 0x4189: later, or (DNR) another way
          return status.dnr ? mover_or_fail : CopyRecovery::kRetryLater;
        default:
          return CopyRecovery::kFail;
      }
    case StatusCodeType::kPathRelated:
      // ANA Persistent Loss and Inaccessible do not heal on this, the only, path.
      if (status.sc == nvme::kScAsymmetricAccessPersistentLoss ||
          status.sc == nvme::kScAsymmetricAccessInaccessible) {
        return CopyRecovery::kFail;
      }
      return status.dnr ? CopyRecovery::kFail : CopyRecovery::kRetryLater;
    default:  // media and data integrity errors, vendor specific
      return CopyRecovery::kFail;
  }
}

std::chrono::milliseconds copy_retry_delay(int attempt, const nvme::Status& status,
                                           const std::array<std::uint16_t, 3>& crdt) {
  constexpr std::chrono::milliseconds kFirst{10};
  constexpr std::chrono::milliseconds kCap{1000};
  const int shift = std::clamp(attempt - 1, 0, 16);
  std::chrono::milliseconds delay = kFirst * (1 << shift);
  if (status.crd >= 1 && status.crd <= 3) {
    delay = std::max(delay, std::chrono::milliseconds{100} * crdt[status.crd - 1]);
  }
  return std::min(delay, kCap);
}

}  // namespace xg::translate
