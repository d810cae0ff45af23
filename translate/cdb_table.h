// The commands the NVMe-backed logical unit implements, as one table (FreeBSD CTL
// ctl_cmd_table.c style): operation code, service action, CDB length and the CDB USAGE
// DATA of REPORT SUPPORTED OPERATION CODES (SPC-4 6.35.3), which doubles as the mask of
// bits a CDB may set. One table means RSOC can only ever report what the LU decodes.
//
// Usage data (SPC-4 6.35.3): byte 0 is the operation code; for a command with service
// actions byte 1 holds the service action in its field's position; every other byte has a
// 1 for each bit the device server looks at. The CONTROL byte allows only the
// vendor-specific bits 7:6: NACA (SAM-5 5.2) is not supported, so NACA=1 is an invalid
// field, as are the obsolete FLAG/LINK bits.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "scsi/sense.h"
#include "scsi/third_party_copy_cdb.h"

namespace xg::translate {

// SBC-4 / SPC-4 operation codes the LU knows.
namespace opcode {
inline constexpr std::uint8_t kTestUnitReady = 0x00;
inline constexpr std::uint8_t kRequestSense = 0x03;
inline constexpr std::uint8_t kRead6 = 0x08;
inline constexpr std::uint8_t kWrite6 = 0x0A;
inline constexpr std::uint8_t kInquiry = 0x12;
inline constexpr std::uint8_t kModeSelect6 = 0x15;
inline constexpr std::uint8_t kModeSense6 = 0x1A;
inline constexpr std::uint8_t kReadCapacity10 = 0x25;
inline constexpr std::uint8_t kRead10 = 0x28;
inline constexpr std::uint8_t kWrite10 = 0x2A;
inline constexpr std::uint8_t kWriteAndVerify10 = 0x2E;
inline constexpr std::uint8_t kVerify10 = 0x2F;
inline constexpr std::uint8_t kSynchronizeCache10 = 0x35;
inline constexpr std::uint8_t kWriteSame10 = 0x41;
inline constexpr std::uint8_t kUnmap = 0x42;
inline constexpr std::uint8_t kModeSelect10 = 0x55;
inline constexpr std::uint8_t kModeSense10 = 0x5A;
inline constexpr std::uint8_t kRead16 = 0x88;
inline constexpr std::uint8_t kCompareAndWrite = 0x89;
inline constexpr std::uint8_t kWrite16 = 0x8A;
inline constexpr std::uint8_t kWriteAndVerify16 = 0x8E;
inline constexpr std::uint8_t kVerify16 = 0x8F;
inline constexpr std::uint8_t kSynchronizeCache16 = 0x91;
inline constexpr std::uint8_t kWriteSame16 = 0x93;
inline constexpr std::uint8_t kServiceActionIn16 = 0x9E;
inline constexpr std::uint8_t kReportLuns = 0xA0;
inline constexpr std::uint8_t kRead12 = 0xA8;
inline constexpr std::uint8_t kWriteAndVerify12 = 0xAE;
inline constexpr std::uint8_t kVerify12 = 0xAF;
inline constexpr std::uint8_t kPreFetch10 = 0x34;
inline constexpr std::uint8_t kPreFetch16 = 0x90;
// EXTENDED COPY and friends, RECEIVE COPY RESULTS: defined with their CDBs in scsi/.
inline constexpr std::uint8_t kThirdPartyCopyOut = scsi::kThirdPartyCopyOut;
inline constexpr std::uint8_t kThirdPartyCopyIn = scsi::kThirdPartyCopyIn;
inline constexpr std::uint8_t kWrite12 = 0xAA;
inline constexpr std::uint8_t kMaintenanceIn = 0xA3;
}  // namespace opcode

inline constexpr std::uint8_t kSaReadCapacity16 = 0x10;                 // 9Eh
inline constexpr std::uint8_t kSaGetLbaStatus = 0x12;                    // 9Eh
inline constexpr std::uint8_t kSaReportSupportedOperationCodes = 0x0C;  // A3h

// What the namespace must offer for a command to be implemented (translate decides per LU).
enum class Requirement : std::uint8_t {
  kNone,
  kDeallocate,       // UNMAP: Dataset Management (ONCS bit 2)
  kCompareAndWrite,  // fused Compare + Write (FUSES bit 0)
  kCopyManager,      // third-party copy: the target attached its copy manager
};

struct CdbInfo {
  std::uint8_t operation_code = 0;
  std::optional<std::uint8_t> service_action;  // in byte 1 b4:0
  std::uint8_t length = 0;                     // CDB SIZE
  std::array<std::uint8_t, 16> usage{};        // CDB USAGE DATA, `length` bytes used
  Requirement requirement = Requirement::kNone;
  std::string_view name;
};

// Every command in the table, ascending by operation code then service action.
std::span<const CdbInfo> cdb_table();

// The entry for (operation code, service action), regardless of whether this LU meets its
// requirement; nullptr if the table has none. `service_action` is ignored for commands
// without service actions.
const CdbInfo* find_cdb(std::uint8_t operation_code, std::uint8_t service_action);
// True if some entry has this operation code with a service action.
bool has_service_actions(std::uint8_t operation_code);

// Checks a CDB against its entry: at least `length` bytes (else 20/00 at byte 0, as
// third_party_copy_cdb.h does for a short CDB), then every bit outside the usage data
// clear (else 24/00 at the lowest such byte, highest such bit). Bytes past `length` are
// not looked at (the iSCSI CDB field is padded to 16).
scsi::Result<void> validate_cdb(const CdbInfo& info, std::span<const std::uint8_t> cdb);

}  // namespace xg::translate
