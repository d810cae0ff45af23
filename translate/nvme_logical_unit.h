// The SCSI direct-access block device server for one NVMe namespace (SBC-4 over SPC-4),
// translated per the NVM Express SCSI Translation Reference 1.5. See README-style notes
// below; the commands are listed in translate/cdb_table.cc, which REPORT SUPPORTED
// OPERATION CODES reports verbatim (minus rows whose Requirement the namespace lacks).
//
// Transfers: READ/WRITE/VERIFY ranges larger than one NVMe command (MDTS, and at most
// 65,536 blocks) are split into several NVMe commands, up to kMaxNvmeInFlight in flight.
// max_transfer_bytes() (= VPD B0h MAXIMUM TRANSFER LENGTH x block size) is
//   min(32 MiB, 256 x the bytes of one NVMe command), rounded down to whole blocks:
// 32 MiB bounds what the transport buffers per command (Linux and ESXi send at most 4 MiB
// by default; libiscsi's conformance suite sends 32 MiB writes), and 256 bounds the NVMe
// commands one SCSI command fans out to when MDTS is tiny.
//
// Data-Out: the LU uses the first TRANSFER LENGTH x block size bytes (or PARAMETER LIST
// LENGTH bytes) of ScsiCommand::data_out and ignores the rest. WRITE and WRITE AND VERIFY
// with fewer bytes write the whole blocks that came (FCP-4 9.4.2 a: the transfer is cut
// to the expected length, the transport reports the overflow), and a Data-Out ending
// inside a block is ILLEGAL REQUEST 0E/03 with nothing written. Other commands with less
// than they need: INVALID FIELD IN CDB at the CDB's length field, nothing written.
// ScsiResponse::transfer_length on GOOD is what the CDB asked to move, in bytes: TRANSFER
// LENGTH x block size (READ/WRITE/VERIFY BYTCHK=1), 2 x NUMBER OF LOGICAL BLOCKS x block
// size (COMPARE AND WRITE), one block (WRITE SAME, 0 with NDOB), the ALLOCATION LENGTH
// (data-in commands; data_in is already cut to it) or the PARAMETER LIST LENGTH (MODE
// SELECT, UNMAP); 0 for commands without data. On CHECK CONDITION (and TASK ABORTED,
// RESERVATION CONFLICT) data_in is empty and transfer_length 0.
//
// Lifetime: the LU must outlive the commands it has in flight (completions call back
// into it); destroy it only after the transport has drained it, and before the device.
//
// Per-I_T-nexus state (SAM-5 5.14 unit attentions): a nexus's first command other than
// INQUIRY, REPORT LUNS and REQUEST SENSE gets POWER ON, RESET, OR BUS DEVICE RESET
// OCCURRED (29/00); MODE SELECT that changes a page queues MODE PARAMETERS CHANGED (2A/01)
// for every other nexus; capacity_changed() queues CAPACITY DATA HAS CHANGED (2A/09) for
// all; reset() (SAM-5 6.3) puts the reset's unit attention - 29/03 after LOGICAL UNIT RESET,
// 29/00 after TARGET WARM RESET, 29/01 after TARGET COLD RESET - first in every nexus's
// queue, the resetting one's too, and returns the mode pages to their defaults. REQUEST
// SENSE returns (and clears) the first pending unit attention. Mode pages are shared by all
// nexuses (SPC-4 allows either).
//
// Threading: execute() may run on any thread; state is guarded by one mutex that is never
// held across a device submit; completions run on device threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "translate/scsi_command.h"

namespace xg::nvme {
class Device;
}

namespace xg::translate {

// What the LU says about itself in INQUIRY and VPD 80h/83h.
struct LogicalUnitIdentity {
  std::string vendor = "XGATE";            // T10 VENDOR IDENTIFICATION, <= 8 ASCII
  std::string product = "NVMe namespace";  // PRODUCT IDENTIFICATION, <= 16 ASCII
  std::string revision = "0001";           // PRODUCT REVISION LEVEL, <= 4 ASCII
  // VPD 80h PRODUCT SERIAL NUMBER; empty: 12 hex digits derived from `unique_name`.
  std::string serial;
  // Seed of the NAA 6h designator and of the default serial. Empty: "<device name>/<nsid>"
  // (stable across restarts as long as the device is configured under the same name).
  std::string unique_name;
  // IEEE COMPANY_ID of the NAA 6h designator (24 bits); 0: the controller's IEEE OUI.
  std::uint32_t ieee_company_id = 0;
};

class NvmeLogicalUnit : public LogicalUnit {
 public:
  // The namespace was resized: re-read its identify data, and queue CAPACITY DATA HAS
  // CHANGED (2A/09) for every nexus (SBC-4 4.6).
  virtual void capacity_changed() = 0;
};

// nullptr (and `why`, when given) if `nsid` is not an active namespace of `device` or its
// identify data cannot be decoded. The device must outlive the LU.
std::unique_ptr<NvmeLogicalUnit> make_nvme_logical_unit(nvme::Device& device, std::uint32_t nsid,
                                                        LogicalUnitIdentity identity,
                                                        std::string* why = nullptr);

}  // namespace xg::translate
