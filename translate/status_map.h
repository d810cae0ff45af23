// NVMe completion status -> SCSI status and sense, for commands the LU translates one to
// one (READ, WRITE, VERIFY, UNMAP, ...). The table is the NVM Express
// SCSI Translation Reference 1.5 as Linux's old scsi.c and SPDK's scsi_nvme.c implement
// it) plus xgate's own rows for codes the TR does not cover. Copy failures (COPY ABORTED,
// SPC-4 5.17.7.4) are the copy manager's business, not this table's.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "nvme/status.h"
#include "scsi/sense.h"

namespace xg::translate {

struct TranslatedStatus {
  scsi::Status status = scsi::Status::kGood;
  // Present with CHECK CONDITION; absent for GOOD, TASK ABORTED, RESERVATION CONFLICT.
  std::optional<scsi::Sense> sense;
};

// One row of the table: SCT/SC -> SCSI status, sense key, ASC/ASCQ.
struct StatusMapRow {
  std::uint8_t sct = 0;
  std::uint8_t sc = 0;
  scsi::Status status = scsi::Status::kCheckCondition;
  scsi::SenseKey key = scsi::SenseKey::kIllegalRequest;
  std::uint8_t asc = 0;
  std::uint8_t ascq = 0;
};

// Every explicit row (tests walk it).
std::span<const StatusMapRow> status_map_rows();

// Translates one completion. Codes without a row: CHECK CONDITION ILLEGAL REQUEST 00/00
// (the TR's default for SCT 0/1/7; for SCT 2 the default is MEDIUM ERROR 00/00, for path
// errors SCT 3 ABORTED COMMAND 00/00). `lba` becomes the sense INFORMATION field for
// MEDIUM ERROR (SBC-4 4.18.1: the first LBA the error was found in; the LU passes the
// first LBA of the failed NVMe command, the finest position NVMe reports).
TranslatedStatus translate_status(const nvme::Status& status,
                                  std::optional<std::uint64_t> lba = std::nullopt);

}  // namespace xg::translate
