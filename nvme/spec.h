// NVMe constants the gateway uses: opcodes, CNS values, status code types and codes.
//
// Sources: NVM Express Base Specification 2.0 (Figure "Opcodes for Admin Commands",
// "Status Code - Generic Command Status Values", "Status Code - Path Related Status
// Values"), NVM Command Set Specification 1.0 (Figure "Opcodes for NVM Commands",
// "Status Code - Command Specific Status Values", "Status Code - Media and Data Integrity
// Errors"), TP4065 (Simple Copy), TP4130 (Cross-Namespace Copy: SC 85h/86h/87h/89h),
// ZNS Command Set 1.1 (SC B6h..BFh). Values cross-checked against Linux
// include/linux/nvme.h, SPDK include/spdk/nvme_spec.h, QEMU 7.2 include/block/nvme.h and
// libnvme 1.3 src/nvme/types.h, which agree.
//
// Everything here is data. Names and the name tables live in status.cc.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xg::nvme {

// ---- Opcodes ------------------------------------------------------------------------
// NVM Command Set 1.0, Figure "Opcodes for NVM Commands". Bits 1:0 give the data
// direction: 01b host to controller, 10b controller to host.
inline constexpr std::uint8_t kOpcodeFlush = 0x00;
inline constexpr std::uint8_t kOpcodeWrite = 0x01;
inline constexpr std::uint8_t kOpcodeRead = 0x02;
inline constexpr std::uint8_t kOpcodeWriteUncorrectable = 0x04;
inline constexpr std::uint8_t kOpcodeCompare = 0x05;
inline constexpr std::uint8_t kOpcodeWriteZeroes = 0x08;
inline constexpr std::uint8_t kOpcodeDatasetManagement = 0x09;
inline constexpr std::uint8_t kOpcodeVerify = 0x0C;
inline constexpr std::uint8_t kOpcodeCopy = 0x19;

// Base Specification 2.0, Figure "Opcodes for Admin Commands".
inline constexpr std::uint8_t kAdminOpcodeGetLogPage = 0x02;
inline constexpr std::uint8_t kAdminOpcodeIdentify = 0x06;
inline constexpr std::uint8_t kAdminOpcodeSetFeatures = 0x09;
inline constexpr std::uint8_t kAdminOpcodeGetFeatures = 0x0A;

// ---- Identify (Admin 06h) CNS values, CDW10 bits 7:0 ----------------------------------
// Base Specification 2.0, Figure "CNS Values".
inline constexpr std::uint8_t kCnsIdentifyNamespace = 0x00;
inline constexpr std::uint8_t kCnsIdentifyController = 0x01;
inline constexpr std::uint8_t kCnsActiveNamespaceIdList = 0x02;
inline constexpr std::uint8_t kCnsNamespaceIdDescriptorList = 0x03;
inline constexpr std::uint8_t kCnsIoCommandSetNamespace = 0x05;   // with CSI in CDW11 31:24
inline constexpr std::uint8_t kCnsIoCommandSetController = 0x06;  // with CSI
inline constexpr std::uint8_t kCnsIoCommandSetIndependentNamespace = 0x08;

// Command Set Identifiers (CSI), Identify CDW11 bits 31:24.
inline constexpr std::uint8_t kCsiNvm = 0x00;
inline constexpr std::uint8_t kCsiKeyValue = 0x01;
inline constexpr std::uint8_t kCsiZoned = 0x02;

inline constexpr std::size_t kIdentifyDataSize = 4096;
inline constexpr std::size_t kSubmissionEntrySize = 64;
inline constexpr std::size_t kCompletionEntrySize = 16;

// ---- Status Code Type (CQE DW3 bits 27:25) ---------------------------------------------
// Base Specification 2.0, Figure "Status Code - Status Code Type Values".
enum class StatusCodeType : std::uint8_t {
  kGeneric = 0x0,
  kCommandSpecific = 0x1,
  kMediaAndDataIntegrity = 0x2,
  kPathRelated = 0x3,
  kVendorSpecific = 0x7,
};

// The 3-bit field value of a Status Code Type, for the std::uint8_t fields that carry it
// (Status::sct, status tables): the enum above stays the one place the values are written.
constexpr std::uint8_t sct_value(StatusCodeType type) { return static_cast<std::uint8_t>(type); }

// ---- Generic Command Status (SCT 0) ----------------------------------------------------
inline constexpr std::uint8_t kScSuccessfulCompletion = 0x00;
inline constexpr std::uint8_t kScInvalidCommandOpcode = 0x01;
inline constexpr std::uint8_t kScInvalidFieldInCommand = 0x02;
inline constexpr std::uint8_t kScCommandIdConflict = 0x03;
inline constexpr std::uint8_t kScDataTransferError = 0x04;
inline constexpr std::uint8_t kScCommandsAbortedDueToPowerLoss = 0x05;
inline constexpr std::uint8_t kScInternalError = 0x06;
inline constexpr std::uint8_t kScCommandAbortRequested = 0x07;
inline constexpr std::uint8_t kScCommandAbortedDueToSqDeletion = 0x08;
inline constexpr std::uint8_t kScCommandAbortedDueToFailedFusedCommand = 0x09;
inline constexpr std::uint8_t kScCommandAbortedDueToMissingFusedCommand = 0x0A;
inline constexpr std::uint8_t kScInvalidNamespaceOrFormat = 0x0B;
inline constexpr std::uint8_t kScCommandSequenceError = 0x0C;
inline constexpr std::uint8_t kScDataSglLengthInvalid = 0x0F;
inline constexpr std::uint8_t kScMetadataSglLengthInvalid = 0x10;
inline constexpr std::uint8_t kScNamespaceIsWriteProtected = 0x20;
inline constexpr std::uint8_t kScCommandInterrupted = 0x21;
inline constexpr std::uint8_t kScTransientTransportError = 0x22;
inline constexpr std::uint8_t kScLbaOutOfRange = 0x80;
inline constexpr std::uint8_t kScCapacityExceeded = 0x81;
inline constexpr std::uint8_t kScNamespaceNotReady = 0x82;
inline constexpr std::uint8_t kScReservationConflict = 0x83;
inline constexpr std::uint8_t kScFormatInProgress = 0x84;

// ---- Command Specific Status (SCT 1), NVM Command Set ---------------------------------
// 0Ah is the admin "Invalid Format" code; QEMU 7.2 returns it for a Copy whose descriptor
// format does not match the namespace's PI format (measured on QEMU 7.2.22).
inline constexpr std::uint8_t kScInvalidFormat = 0x0A;
inline constexpr std::uint8_t kScConflictingAttributes = 0x80;
inline constexpr std::uint8_t kScInvalidProtectionInformation = 0x81;
inline constexpr std::uint8_t kScAttemptedWriteToReadOnlyRange = 0x82;
inline constexpr std::uint8_t kScCommandSizeLimitExceeded = 0x83;
inline constexpr std::uint8_t kScIncompatibleNamespaceOrFormat = 0x85;  // TP4130
inline constexpr std::uint8_t kScFastCopyNotPossible = 0x86;            // TP4130
inline constexpr std::uint8_t kScOverlappingIoRange = 0x87;             // TP4130
inline constexpr std::uint8_t kScInsufficientResources = 0x89;          // TP4130
// ZNS Command Set 1.1, Figure "Status Code - Command Specific Status Values".
inline constexpr std::uint8_t kScInvalidZoneOperationRequest = 0xB6;
inline constexpr std::uint8_t kScZrwaResourcesUnavailable = 0xB7;
inline constexpr std::uint8_t kScZoneBoundaryError = 0xB8;
inline constexpr std::uint8_t kScZoneIsFull = 0xB9;
inline constexpr std::uint8_t kScZoneIsReadOnly = 0xBA;
inline constexpr std::uint8_t kScZoneIsOffline = 0xBB;
inline constexpr std::uint8_t kScZoneInvalidWrite = 0xBC;
inline constexpr std::uint8_t kScTooManyActiveZones = 0xBD;
inline constexpr std::uint8_t kScTooManyOpenZones = 0xBE;
inline constexpr std::uint8_t kScInvalidZoneStateTransition = 0xBF;

// ---- Media and Data Integrity Errors (SCT 2) -------------------------------------------
inline constexpr std::uint8_t kScWriteFault = 0x80;
inline constexpr std::uint8_t kScUnrecoveredReadError = 0x81;
inline constexpr std::uint8_t kScEndToEndGuardCheckError = 0x82;
inline constexpr std::uint8_t kScEndToEndApplicationTagCheckError = 0x83;
inline constexpr std::uint8_t kScEndToEndReferenceTagCheckError = 0x84;
inline constexpr std::uint8_t kScCompareFailure = 0x85;
inline constexpr std::uint8_t kScAccessDenied = 0x86;
inline constexpr std::uint8_t kScDeallocatedOrUnwrittenLogicalBlock = 0x87;
inline constexpr std::uint8_t kScEndToEndStorageTagCheckError = 0x88;

// ---- Path Related Status (SCT 3) -------------------------------------------------------
inline constexpr std::uint8_t kScInternalPathError = 0x00;
inline constexpr std::uint8_t kScAsymmetricAccessPersistentLoss = 0x01;
inline constexpr std::uint8_t kScAsymmetricAccessInaccessible = 0x02;
inline constexpr std::uint8_t kScAsymmetricAccessTransition = 0x03;
inline constexpr std::uint8_t kScControllerPathingError = 0x60;
inline constexpr std::uint8_t kScHostPathingError = 0x70;
inline constexpr std::uint8_t kScCommandAbortedByHost = 0x71;

// ---- Identify Controller ONCS bits (bytes 521:520) ----------------------------------------
// Base Specification 2.0, Figure "Identify Controller Data Structure"; bits 9/10 TP4130.
inline constexpr std::uint16_t kOncsCompare = 1U << 0;
inline constexpr std::uint16_t kOncsWriteUncorrectable = 1U << 1;
inline constexpr std::uint16_t kOncsDatasetManagement = 1U << 2;
inline constexpr std::uint16_t kOncsWriteZeroes = 1U << 3;
inline constexpr std::uint16_t kOncsSaveSelect = 1U << 4;
inline constexpr std::uint16_t kOncsReservations = 1U << 5;
inline constexpr std::uint16_t kOncsTimestamp = 1U << 6;
inline constexpr std::uint16_t kOncsVerify = 1U << 7;
inline constexpr std::uint16_t kOncsCopy = 1U << 8;
inline constexpr std::uint16_t kOncsCopySingleAtomicity = 1U << 9;  // NVMCSA
inline constexpr std::uint16_t kOncsAllFastCopy = 1U << 10;         // NVMAFC

// FUSES (bytes 523:522) bit 0: Compare and Write fused operation supported.
inline constexpr std::uint16_t kFusesCompareAndWrite = 1U << 0;

}  // namespace xg::nvme
