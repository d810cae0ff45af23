// The contract between a SCSI transport (the iSCSI target in gateway/) and the SCSI
// device server (translate/): one command in, one response out, asynchronously.
//
// The transport owns everything about the wire (PDUs, R2T, residual flags, digests);
// the device server owns everything about SCSI semantics (CDB decoding, sense, unit
// attentions, mode pages) and the NVMe commands that carry them out (NVM Express SCSI
// Translation Reference). Neither includes the other's folder.
//
// Threading: execute() may be called from any thread and never blocks on I/O. The
// completion runs exactly once, on a device thread or inside execute() for commands that
// need no I/O; it must not block. Many commands may be in flight per logical unit.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scsi/sense.h"
#include "translate/copy_endpoint.h"

namespace xg::translate {

class CopyManager;

// The I_T nexus a command arrived on (SAM-5 4.6.4): unit attentions, sense format and
// (later) copy list IDs and reservations are kept per nexus.
struct ItNexus {
  std::string initiator_port;   // iSCSI: "<InitiatorName>,i,0x<ISID as 12 hex digits>"
  std::string target_port;      // iSCSI: "<TargetName>,t,0x<TPGT as 4 hex digits>"
  std::uint16_t relative_target_port = 1;
  bool operator==(const ItNexus&) const = default;
};

// Direction of the data transfer the initiator declared for the command (iSCSI R/W bits).
enum class DataDirection : std::uint8_t { kNone, kFromDevice, kToDevice };

struct ScsiCommand {
  std::vector<std::uint8_t> cdb;              // 6..260 bytes, as received
  std::uint64_t lun = 0;                      // SAM-5 single-level LUN (peripheral addressing)
  DataDirection direction = DataDirection::kNone;
  // The initiator's Expected Data Transfer Length (bytes), in the declared direction.
  std::uint32_t expected_transfer_length = 0;
  // Data-Out for kToDevice: exactly expected_transfer_length bytes (the transport
  // gathers immediate, unsolicited and solicited data before calling execute()).
  std::vector<std::uint8_t> data_out;
  std::shared_ptr<const ItNexus> nexus;       // never null
  std::uint32_t task_tag = 0;                 // iSCSI ITT; for logs and task management
};

struct ScsiResponse {
  scsi::Status status = scsi::Status::kGood;
  // Data-In. The device server returns what the command produces, cut to the CDB's
  // ALLOCATION LENGTH; the transport sends at most expected_transfer_length of it and
  // reports the rest as residual overflow (RFC 7143 11.4.5).
  std::vector<std::uint8_t> data_in;
  // Bytes the CDB itself asks to transfer in the command's direction (TRANSFER LENGTH x
  // block size for READ/WRITE, the allocation length for data-in commands, the parameter
  // list length for data-out ones). The transport derives the residual from it and the
  // expected length; 0 for commands that move no data.
  std::uint64_t transfer_length = 0;
  // Encoded sense data (fixed or descriptor, per the LU's D_SENSE) for CHECK CONDITION.
  std::vector<std::uint8_t> sense;

  static ScsiResponse good() { return {}; }
  // GOOD with Data-In cut to the CDB's ALLOCATION LENGTH (SPC-4 4.2.5.6), which is also
  // the transfer length the transport computes residuals from.
  static ScsiResponse with_data(std::vector<std::uint8_t> data, std::uint32_t allocation_length);
  static ScsiResponse check_condition(const scsi::Sense& sense, bool descriptor_format);
};

using ScsiCompletion = std::function<void(ScsiResponse)>;

// The reset events of SAM-5 6.3 that task management functions cause (RFC 7143 11.5.1
// names iSCSI's), lowest precedence first (SAM-5 6.1 lists power on, hard reset, logical
// unit reset): a pending unit attention for a higher one is not replaced by a lower one.
enum class ResetEvent : std::uint8_t {
  kLogicalUnitReset,  // LOGICAL UNIT RESET (SAM-5 6.3.3, 7.7)
  kHardReset,         // TARGET WARM RESET: a hard reset of the target (SAM-5 6.3.2)
  kPowerOn,           // TARGET COLD RESET: every session ends too, as at power on (6.3.1)
};

// A SCSI logical unit (SAM-5 4.6.19): one NVMe namespace today.
class LogicalUnit {
 public:
  virtual ~LogicalUnit() = default;
  virtual void execute(ScsiCommand command, ScsiCompletion done) = 0;
  // The nexus is gone (logout, connection loss, session reinstatement): forget its unit
  // attentions and any per-nexus state.
  virtual void nexus_lost(const ItNexus& nexus) = 0;
  // The largest Data-Out or Data-In this LU accepts for one command, in bytes (VPD B0h
  // MAXIMUM TRANSFER LENGTH x block size). The transport refuses larger writes before
  // gathering their data, so its memory stays bounded.
  virtual std::uint64_t max_transfer_bytes() const = 0;
  // A reset reached the unit (SAM-5 6.3.3): return to the initial state and establish the
  // event's unit attention for every I_T nexus. The transport has ended the tasks.
  virtual void reset(ResetEvent /*event*/) {}

  // Third-party copy (translate/copy_manager.h). A unit that can be a copy source or
  // destination describes itself; the target then attaches its copy manager, and the unit
  // routes EXTENDED COPY / RECEIVE COPY RESULTS to it and advertises 3PC and VPD 8Fh.
  virtual std::optional<CopyEndpoint> copy_endpoint() const { return std::nullopt; }
  virtual void attach_copy_manager(std::shared_ptr<CopyManager> /*manager*/,
                                   std::uint64_t /*lun*/) {}
};

}  // namespace xg::translate
