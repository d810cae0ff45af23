// Internal to translate/: the NVMe-backed logical unit behind make_nvme_logical_unit()
// (nvme_logical_unit.h). Its handlers are spread over several files by command family:
//   nvme_logical_unit.cc  construction, dispatch, unit attentions, TUR, REQUEST SENSE
//   lu_inquiry.cc         INQUIRY (standard, VPD 00h/80h/83h/B0h/B1h/B2h), READ CAPACITY
//   lu_mode.cc            MODE SENSE / MODE SELECT (caching 08h, control 0Ah)
//   lu_io.cc              READ/WRITE/VERIFY/WRITE AND VERIFY/SYNCHRONIZE CACHE/COMPARE AND WRITE
//   lu_provisioning.cc    UNMAP, WRITE SAME
//   lu_rsoc.cc            REPORT SUPPORTED OPERATION CODES
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "nvme/device.h"
#include "scsi/sense.h"
#include "translate/cdb_table.h"
#include "translate/nvme_logical_unit.h"

namespace xg::translate::detail {

// NVMe commands one SCSI command keeps in flight at most (lu_io_batch.h).
inline constexpr std::size_t kMaxNvmeInFlight = 8;
// The cap on max_transfer_bytes() (see nvme_logical_unit.h for the reasoning).
// 32 MiB: the largest single WRITE libiscsi's conformance suite sends (65,536 blocks in
// WriteSame16.Unmap) without checking MAXIMUM TRANSFER LENGTH; the transport's write
// budget (64 MiB per connection) still bounds memory.
inline constexpr std::uint64_t kMaxTransferBytesCap = 32ULL << 20;
inline constexpr std::uint64_t kMaxNvmeCommandsPerTransfer = 256;
// VPD B0h MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT: one Dataset Management command's ranges.
inline constexpr std::uint32_t kMaxUnmapDescriptors = 256;
// VPD B0h MAXIMUM UNMAP LBA COUNT (blocks): 2^20 (512 MiB at 512 B), the most that
// libiscsi's Inquiry.BlockLimits accepts as sane. MAXIMUM WRITE SAME LENGTH: 2^22 blocks
// (2 GiB at 512 B, 16 GiB at 4 KiB) keep one command's NVMe fan-out to at most 64
// Write Zeroes / pattern-write rounds of 65,536 blocks, so no command runs for minutes.
inline constexpr std::uint32_t kMaxUnmapBlocks = 1U << 20;
inline constexpr std::uint64_t kMaxWriteSameBlocks = 1ULL << 22;

// The namespace as the SCSI side sees it (from Identify Namespace / Controller).
struct Geometry {
  std::uint64_t blocks = 0;            // NSZE
  std::uint32_t block_size = 512;      // 2^LBADS of the current format
  std::uint32_t blocks_per_io = 0;     // largest NVMe Read/Write: min(MDTS, host path
                                       // limit, 65,536 blocks)
  std::uint8_t physical_exponent = 0;  // LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT
};

struct Capabilities {
  bool deallocate = false;                // ONCS bit 2 Dataset Management
  bool write_zeroes = false;              // ONCS bit 3
  bool write_zeroes_deallocates = false;  // DLFEAT bit 3
  bool deallocated_reads_zeros = false;   // DLFEAT 2:0 = 001b (SBC-4 LBPRZ 001b)
  bool verify = false;                    // ONCS bit 7
  bool compare_and_write = false;         // FUSES bit 0
  bool volatile_write_cache = false;      // VWC bit 0
  std::uint32_t ieee_oui = 0;
};

// Changeable mode parameters (lu_mode.cc).
struct ModeState {
  bool wce = false;      // caching page WCE
  bool d_sense = false;  // control page D_SENSE
};

// One command being executed: its CDB and data, and how to answer.
struct Exchange {
  ScsiCommand command;
  ScsiCompletion done;
  bool descriptor_sense = false;  // D_SENSE when the command arrived

  std::span<const std::uint8_t> cdb() const { return command.cdb; }
  void reply(ScsiResponse response) { done(std::move(response)); }
  void fail(const scsi::Sense& sense) {
    done(ScsiResponse::check_condition(sense, descriptor_sense));
  }
  // CHECK CONDITION that still reports the CDB's transfer length, for the residual.
  void fail(const scsi::Sense& sense, std::uint64_t transfer_length) {
    ScsiResponse response = ScsiResponse::check_condition(sense, descriptor_sense);
    response.transfer_length = transfer_length;
    done(std::move(response));
  }
  // NVMe status -> SCSI per status_map.h; `lba` is the first LBA of the failed command.
  void fail_nvme(const nvme::Status& status, std::optional<std::uint64_t> lba = std::nullopt);
  // Data-In: the whole response cut to the ALLOCATION LENGTH (SPC-4 4.2.5.6).
  void data_in(std::vector<std::uint8_t> data, std::uint32_t allocation_length);
};
using ExchangePtr = std::shared_ptr<Exchange>;

// Data-Out of `bytes` bytes, or nullopt when the initiator sent fewer (then `x` has been
// failed with INVALID FIELD IN CDB at `length_field`, see nvme_logical_unit.h).
std::optional<std::span<const std::uint8_t>> data_out(const ExchangePtr& x, std::uint64_t bytes,
                                                      scsi::FieldRef length_field);
// Data-Out of a block-writing command whose Expected Data Transfer Length may differ
// from the CDB's (iSCSI residuals, RFC 7143 11.4.5.1; the FCP-4 9.4.2 rule libiscsi
// tests): all `blocks` when enough data came; else the whole blocks that came (the
// transfer is cut to the expected length and the transport reports the overflow from
// transfer_length); a partial block fails the command with ILLEGAL REQUEST 0E/03
// INVALID FIELD IN COMMAND INFORMATION UNIT and writes nothing. nullopt when it failed.
struct BlockDataOut {
  std::span<const std::uint8_t> bytes;
  std::uint64_t blocks = 0;
};
std::optional<BlockDataOut> block_data_out(const ExchangePtr& x, std::uint64_t blocks,
                                           std::uint32_t block_size);

// The addressing fields of a block command's CDB (SBC-4 4.2.2: 6/10/12/16-byte shapes),
// read by operation-code group; COMPARE AND WRITE keeps its 1-byte count in byte 13.
struct BlockCdb {
  std::uint64_t lba = 0;
  std::uint64_t blocks = 0;  // READ(6)/WRITE(6): 0 means 256 (SBC-4 5.15)
  bool fua = false;          // byte 1 b3 where defined
  std::uint8_t bytchk = 0;   // byte 1 b2:1 (VERIFY, WRITE AND VERIFY)
  scsi::FieldRef lba_field;
  scsi::FieldRef length_field;  // TRANSFER/VERIFICATION LENGTH, NUMBER OF LOGICAL BLOCKS
};
BlockCdb decode_block_cdb(std::span<const std::uint8_t> cdb);

// MISCOMPARE, MISCOMPARE DURING VERIFY OPERATION (1D/00) with INFORMATION = the offset of
// the first byte that differed (SBC-4 5.3 COMPARE AND WRITE, 5.36 VERIFY).
scsi::Sense miscompare_at(std::uint64_t offset);
// Offset of the first differing byte, or nullopt when equal. `expected` repeats when it is
// shorter than `actual` (VERIFY BYTCHK 11b: one block checked against every block).
std::optional<std::uint64_t> first_difference(std::span<const std::uint8_t> actual,
                                              std::span<const std::uint8_t> expected);

class NvmeLu final : public NvmeLogicalUnit {
 public:
  NvmeLu(nvme::Device& device, std::uint32_t nsid, LogicalUnitIdentity identity, Geometry geometry,
         Capabilities caps);

  void execute(ScsiCommand command, ScsiCompletion done) override;
  void nexus_lost(const ItNexus& nexus) override;
  void reset(ResetEvent event) override;
  std::uint64_t max_transfer_bytes() const override;
  void capacity_changed() override;
  // lu_copy.cc
  std::optional<CopyEndpoint> copy_endpoint() const override;
  void attach_copy_manager(std::shared_ptr<CopyManager> manager, std::uint64_t lun) override;
  void third_party_copy(const ExchangePtr& x);
  bool copy_offload() const { return copy_manager_ != nullptr; }
  std::vector<std::uint8_t> third_party_copy_page() const;
  // The LU's own VPD 83h designators (association 00b), lu_inquiry.cc.
  std::vector<scsi::Designator> own_designators() const;

  bool supports(const CdbInfo& info) const;
  bool offers_service_actions(std::uint8_t operation_code) const;
  Geometry geometry() const;
  ModeState mode() const;
  std::uint32_t max_transfer_blocks() const;
  // Oldest pending unit attention of the nexus, removed (REQUEST SENSE and the dispatcher).
  std::optional<scsi::Sense> pop_unit_attention(const ItNexus& nexus);
  // MODE SELECT accepted `state`: store it; if it changed, every other nexus gets MODE
  // PARAMETERS CHANGED (SPC-4 7.5.1 / SAM-5 5.14).
  void apply_mode(const ModeState& state, const ItNexus& from);

  // nvme_logical_unit.cc
  void test_unit_ready(const ExchangePtr& x);
  void request_sense(const ExchangePtr& x);
  // lu_inquiry.cc
  void inquiry(const ExchangePtr& x);
  void read_capacity10(const ExchangePtr& x);
  void read_capacity16(const ExchangePtr& x);
  // SERVICE ACTION IN(16): READ CAPACITY(16) or GET LBA STATUS(16).
  void service_action_in16(const ExchangePtr& x);
  void get_lba_status(const ExchangePtr& x);
  // lu_mode.cc
  void mode_sense(const ExchangePtr& x);
  void mode_select(const ExchangePtr& x);
  // lu_io.cc
  void read(const ExchangePtr& x);
  void write(const ExchangePtr& x);
  void verify(const ExchangePtr& x);
  void write_and_verify(const ExchangePtr& x);
  void prefetch(const ExchangePtr& x);
  void synchronize_cache(const ExchangePtr& x);
  void compare_and_write(const ExchangePtr& x);
  // lu_provisioning.cc
  void unmap(const ExchangePtr& x);
  void write_same(const ExchangePtr& x);
  // Checks TRANSFER LENGTH against `max_blocks` (24/00 at the length field, SBC-4 6.6.4
  // MAXIMUM TRANSFER LENGTH), then the range against the capacity (21/00, SBC-4 4.5).
  // false: `x` has been failed.
  bool check_range(const ExchangePtr& x, const BlockCdb& b, std::uint64_t max_blocks) const;
  // Writes `data` (blocks x block size) at `lba`, split per blocks_per_io; then `then(ok)`.
  void write_blocks(const ExchangePtr& x, std::uint64_t lba, std::uint64_t blocks,
                    std::span<const std::uint8_t> data, bool fua, std::function<void()> then);
  // Reads [lba, lba + blocks) and checks it against `expected` (first_difference()); with
  // `expected` empty the data is only read (BYTCHK 00b without NVMe Verify). GOOD or
  // MISCOMPARE / the NVMe error on `x`.
  void read_and_compare(const ExchangePtr& x, std::uint64_t lba, std::uint64_t blocks,
                        std::span<const std::uint8_t> expected, std::uint64_t transfer_length);
  // BYTCHK 00b: NVMe Verify when the controller has it, else a read that is thrown away.
  void verify_medium(const ExchangePtr& x, std::uint64_t lba, std::uint64_t blocks,
                     std::uint64_t transfer_length);
  // The FUA a write gets: asked for, or WCE=0 on a volatile cache (write-through, since
  // there is no Set Features path to turn the controller's cache off).
  bool write_fua(bool requested) const;

  // WRITE SAME back ends (lu_provisioning.cc).
  void write_zeroes(const ExchangePtr& x, const BlockCdb& b, bool deallocate,
                    std::uint64_t transfer_length);
  void deallocate_range(const ExchangePtr& x, const BlockCdb& b, std::uint64_t transfer_length);
  void write_pattern(const ExchangePtr& x, const BlockCdb& b, std::vector<std::uint8_t> block,
                     std::uint64_t transfer_length);

  // MODE SELECT parameter list -> the mode state it asks for (lu_mode.cc).
  scsi::Result<ModeState> parse_mode_select(std::span<const std::uint8_t> list, bool ten) const;
  scsi::Result<void> check_block_descriptor(base::ByteReader& descriptor, bool long_lba) const;

  // lu_rsoc.cc
  void report_supported_operation_codes(const ExchangePtr& x);

  nvme::Device& device() { return device_; }
  std::uint32_t nsid() const { return nsid_; }
  const Capabilities& caps() const { return caps_; }
  const LogicalUnitIdentity& identity() const { return identity_; }

 private:
  struct NexusState {
    std::deque<scsi::Sense> unit_attentions;  // oldest first
  };
  using NexusKey = std::string;
  static NexusKey key_of(const ItNexus& nexus);

  // The handler for an implemented command; false if there is none.
  bool dispatch(const CdbInfo& info, const ExchangePtr& x);
  // The nexus's state, created with POWER ON (29/00) pending on first sight.
  NexusState& nexus_locked(const ItNexus& nexus);
  void queue_unit_attention_locked(const scsi::Sense& ua, const NexusKey* except);
  // The mode parameters after power on and after a reset (no saved values exist).
  ModeState default_mode() const;

  nvme::Device& device_;
  const std::uint32_t nsid_;
  const LogicalUnitIdentity identity_;
  const Capabilities caps_;
  // Set once by ScsiTarget::add_lun, before the first command.
  std::shared_ptr<CopyManager> copy_manager_;
  std::uint64_t copy_lun_ = 0;

  mutable std::mutex mutex_;  // guards everything below
  Geometry geometry_;
  ModeState mode_;
  std::map<NexusKey, NexusState> nexuses_;
};

}  // namespace xg::translate::detail
