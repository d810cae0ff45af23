// The copy manager of one SCSI target (SPC-4 5.17 third-party copy): EXTENDED COPY(LID1)
// executed as NVMe Copy (through the planner, translate/copy_plan.h) or the data mover,
// and RECEIVE COPY RESULTS for its status.
//
// Scope and rules:
//   - E4h CSCDs are resolved only among the logical units of this target, which are
//     exactly the LUs the I_T nexus that sent the command may access (the class of bug
//     behind CVE-2020-28374 cannot happen: another target's LUs are not in the table).
//     Descriptor ID FFFFh names the LU the command was sent to.
//   - Segment type 02h (block -> block) with equal logical block sizes on both sides.
//   - Errors before any segment is processed: ILLEGAL REQUEST with a field pointer
//     (scsi/xcopy_params.h does the list checks). Errors while processing segment k
//     (SPC-4 5.17.7.4): segments before k are copied first, then COPY ABORTED with k in
//     COMMAND-SPECIFIC INFORMATION bytes 2-3, and
//       CSCD index outside the list, no LU matching the designator, NUL set
//                                  -> 0D/02 COPY TARGET DEVICE NOT REACHABLE, SKS at the CSCD
//       block length mismatch      -> 0D/03 INCORRECT COPY TARGET DEVICE TYPE
//       LBA range outside the LU   -> 00/00 with the ILLEGAL REQUEST 21/00 the source or
//                                     destination would return, forwarded (libiscsi
//                                     ValidSegDescr accepts only 00/00, 08/04, 0D/02)
//       an NVMe failure            -> 0D/01 THIRD PARTY DEVICE FAILURE with the NVMe status
//                                     translated (status_map.h) and forwarded from the side
//                                     that failed (nvme-copy.md §9.3); INFORMATION = the
//                                     segment's blocks not copied, when some were
//   - LIST ID USAGE 00b/10b: the status is kept per (I_T nexus, LU, list ID) for RECEIVE
//     COPY STATUS / FAILURE DETAILS until the same ID is used again or the nexus is lost
//     (at most kMaxRecordsPerNexus, the oldest finished evicted). A duplicate of a running
//     list ID -> ILLEGAL REQUEST 00/16 OPERATION IN PROGRESS. Completed IDs are reusable
//     at once (QEMU and sg_xcopy always send ID 1).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "scsi/copy_limits.h"
#include "scsi/designator.h"
#include "scsi/receive_copy_results.h"
#include "scsi/vpd_third_party_copy.h"
#include "translate/copy_endpoint.h"
#include "translate/copy_plan.h"
#include "translate/scsi_command.h"

namespace xg::nvme {
class Device;
}

namespace xg::translate {

class CopyManager : public std::enable_shared_from_this<CopyManager> {
 public:
  static constexpr std::size_t kMaxRecordsPerNexus = 32;

  void add_endpoint(std::uint64_t lun, CopyEndpoint endpoint);

  // What RECEIVE COPY OPERATING PARAMETERS and VPD 8Fh report (the same values).
  scsi::CopyManagerLimits limits() const;
  scsi::ThirdPartyCopyPage vpd_page(const scsi::Peripheral& peripheral) const;
  // The commands and service actions it executes (VPD 8Fh 0001h, RSOC).
  static std::vector<scsi::SupportedCommand> supported_commands();

  // EXTENDED COPY (83h/00h) and RECEIVE COPY RESULTS (84h/00h, 03h, 04h) sent to `lun`.
  // `done` runs once, possibly on a device thread.
  void execute(const ScsiCommand& command, std::uint64_t lun, bool descriptor_sense,
               ScsiCompletion done);
  void nexus_lost(const ItNexus& nexus);

  // ---- used by the copy job (copy_job.cc) ----
  struct Record {
    bool running = true;
    std::uint64_t sequence = 0;  // age, for eviction
    scsi::CopyStatusLid1 status;
    std::optional<std::vector<std::uint8_t>> failure_sense;  // fixed-format sense
  };
  using RecordKey = std::tuple<std::string, std::string, std::uint64_t, std::uint32_t>;
  const CopyEndpoint* endpoint(std::uint64_t lun) const;
  std::vector<std::pair<std::uint64_t, const CopyEndpoint*>> endpoints() const;
  void finish(const RecordKey& key, const scsi::CopyStatusLid1& status,
              std::optional<std::vector<std::uint8_t>> failure_sense);

 private:
  ScsiResponse extended_copy(const ScsiCommand& command, std::uint32_t parameter_list_length,
                             std::uint64_t lun, bool descriptor_sense, ScsiCompletion& done,
                             bool& started);
  ScsiResponse copy_status(const RecordKey& key, std::uint32_t allocation_length,
                           bool descriptor_sense);
  ScsiResponse failure_details(const RecordKey& key, std::uint32_t allocation_length,
                               bool descriptor_sense);

  mutable std::mutex mutex_;
  std::map<std::uint64_t, CopyEndpoint> endpoints_;
  std::map<const nvme::Device*, std::uint32_t> controllers_;
  std::map<RecordKey, Record> records_;
  std::uint64_t next_sequence_ = 1;
};

}  // namespace xg::translate
