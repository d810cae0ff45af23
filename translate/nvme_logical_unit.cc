// Construction, dispatch and per-nexus state of the NVMe-backed LU (nvme_lu.h).
#include "translate/nvme_logical_unit.h"

#include <algorithm>
#include <bit>

#include "base/bits.h"
#include "base/byte_reader.h"
#include "nvme/identify.h"
#include "nvme/io_commands.h"
#include "nvme/spec.h"
#include "translate/device_report.h"
#include "translate/nvme_lu.h"
#include "translate/status_map.h"

namespace xg::translate {
namespace detail {
namespace {

// The unit attention a reset event leaves (SAM-5 6.1 table 36, which allows POWER ON,
// RESET, OR BUS DEVICE RESET OCCURRED 29/00 for each event or a more specific code):
//   power on (TARGET COLD RESET)          POWER ON OCCURRED 29/01
//   hard reset (TARGET WARM RESET)        29/00; the table's other choices, SCSI BUS RESET
//                                         OCCURRED 29/02 and MICROCODE HAS BEEN CHANGED,
//                                         name events that did not happen
//   logical unit reset (LOGICAL UNIT RESET) BUS DEVICE RESET FUNCTION OCCURRED 29/03
scsi::Sense reset_unit_attention(ResetEvent event) {
  switch (event) {
    case ResetEvent::kPowerOn:
      return scsi::Sense::power_on_occurred();
    case ResetEvent::kHardReset:
      return scsi::Sense::power_on_reset_or_bus_device_reset_occurred();
    case ResetEvent::kLogicalUnitReset:
      return scsi::Sense::bus_device_reset_function_occurred();
  }
  return scsi::Sense::power_on_reset_or_bus_device_reset_occurred();
}

// Precedence of a reset unit attention (SAM-5 6.1: power on, hard reset, logical unit
// reset, highest first); 0 for any other condition. The 29/00 a nexus gets on first sight
// ranks with the hard reset.
int reset_precedence(const scsi::Sense& ua) {
  if (ua == scsi::Sense::power_on_occurred()) return 3;
  if (ua == scsi::Sense::power_on_reset_or_bus_device_reset_occurred()) return 2;
  if (ua == scsi::Sense::bus_device_reset_function_occurred()) return 1;
  return 0;
}

Geometry geometry_of(const nvme::IdentifyController& ctrl, const nvme::IdentifyNamespace& ns,
                     std::uint32_t max_host_transfer_bytes) {
  Geometry g;
  g.blocks = ns.nsze;
  g.block_size = ns.logical_block_size();
  std::uint64_t per_io = nvme::kMaxBlocksPerIo;
  if (ctrl.mdts != 0 && ctrl.mdts < 40) {
    // MDTS in units of CAP.MPSMIN, assumed 4 KiB like device_report.h.
    per_io = std::min<std::uint64_t>(
        per_io, (std::uint64_t{kAssumedMinimumPageSize} << ctrl.mdts) / g.block_size);
  }
  // The host path's own limit (Linux passthrough: max_segments pages), often a page or
  // two below MDTS; a command over it never reaches the controller (nvme/device.h).
  if (max_host_transfer_bytes != 0) {
    per_io = std::min<std::uint64_t>(per_io, max_host_transfer_bytes / g.block_size);
  }
  g.blocks_per_io = static_cast<std::uint32_t>(std::max<std::uint64_t>(per_io, 1));
  // NSFEAT bit 4 (OPTPERF): NPWG is the preferred write granularity, the closest NVMe
  // analogue of a physical block (NVMe TR 1.5 READ CAPACITY(16) derives it the same way).
  if ((ns.nsfeat & 0x10U) != 0) {
    const std::uint32_t npwg = std::uint32_t{ns.npwg} + 1;
    if (std::has_single_bit(npwg)) {
      g.physical_exponent = static_cast<std::uint8_t>(std::countr_zero(npwg) & 0x0F);
    }
  }
  return g;
}

Capabilities capabilities_of(const nvme::IdentifyController& ctrl,
                             const nvme::IdentifyNamespace& ns) {
  Capabilities c;
  c.deallocate = (ctrl.oncs & nvme::kOncsDatasetManagement) != 0;
  c.write_zeroes = (ctrl.oncs & nvme::kOncsWriteZeroes) != 0;
  c.write_zeroes_deallocates = c.write_zeroes && (ns.dlfeat & 0x08U) != 0;
  c.deallocated_reads_zeros = (ns.dlfeat & 0x07U) == 0x01U;
  c.verify = (ctrl.oncs & nvme::kOncsVerify) != 0;
  c.compare_and_write = ctrl.supports_compare_and_write();
  c.volatile_write_cache = ctrl.volatile_write_cache();
  c.ieee_oui = ctrl.ieee;
  return c;
}

// Commands that neither report nor clear a pending unit attention (SAM-5 5.14).
bool passes_unit_attention(std::uint8_t op) {
  return op == opcode::kInquiry || op == opcode::kReportLuns || op == opcode::kRequestSense;
}

}  // namespace

void Exchange::fail_nvme(const nvme::Status& status, std::optional<std::uint64_t> lba) {
  const TranslatedStatus t = translate_status(status, lba);
  if (t.sense) return fail(*t.sense);
  ScsiResponse response;
  response.status = t.status;
  reply(std::move(response));
}

void Exchange::data_in(std::vector<std::uint8_t> data, std::uint32_t allocation_length) {
  reply(ScsiResponse::with_data(std::move(data), allocation_length));
}

std::optional<std::span<const std::uint8_t>> data_out(const ExchangePtr& x, std::uint64_t bytes,
                                                      scsi::FieldRef length_field) {
  if (x->command.data_out.size() < bytes) {
    x->fail(scsi::Sense::invalid_field_in_cdb(length_field)
                .because("Data-Out shorter than the CDB's transfer length"));
    return std::nullopt;
  }
  return std::span<const std::uint8_t>(x->command.data_out).first(bytes);
}

std::optional<BlockDataOut> block_data_out(const ExchangePtr& x, std::uint64_t blocks,
                                           std::uint32_t block_size) {
  const std::uint64_t wanted = blocks * block_size;
  const std::span<const std::uint8_t> all(x->command.data_out);
  if (all.size() >= wanted) return BlockDataOut{all.first(wanted), blocks};
  if (all.size() % block_size != 0) {
    x->fail(scsi::Sense::invalid_field_in_command_information_unit().because(
                "Data-Out ends inside a block: nothing is written"),
            wanted);
    return std::nullopt;
  }
  return BlockDataOut{all, all.size() / block_size};
}

NvmeLu::NvmeLu(nvme::Device& device, std::uint32_t nsid, LogicalUnitIdentity identity,
               Geometry geometry, Capabilities caps)
    : device_(device),
      nsid_(nsid),
      identity_(std::move(identity)),
      caps_(caps),
      geometry_(geometry) {
  mode_ = default_mode();
}

ModeState NvmeLu::default_mode() const {
  // NVMe TR 1.5 (caching mode page): WCE reflects the volatile write cache, which
  // controllers ship enabled. D_SENSE 0: fixed format (SPC-4 7.5.8).
  ModeState state;
  state.wce = caps_.volatile_write_cache;
  return state;
}

Geometry NvmeLu::geometry() const {
  std::lock_guard lock(mutex_);
  return geometry_;
}

ModeState NvmeLu::mode() const {
  std::lock_guard lock(mutex_);
  return mode_;
}

std::uint64_t NvmeLu::max_transfer_bytes() const {
  return std::uint64_t{max_transfer_blocks()} * geometry().block_size;
}

std::uint32_t NvmeLu::max_transfer_blocks() const {
  const Geometry g = geometry();
  const std::uint64_t by_cap = kMaxTransferBytesCap / g.block_size;
  const std::uint64_t by_fanout = kMaxNvmeCommandsPerTransfer * g.blocks_per_io;
  return static_cast<std::uint32_t>(std::max<std::uint64_t>(1, std::min(by_cap, by_fanout)));
}

// An operation code with service actions this LU executes: a command it lacks entirely
// (83h without a copy manager) stays INVALID COMMAND OPERATION CODE.
bool NvmeLu::offers_service_actions(std::uint8_t operation_code) const {
  for (const CdbInfo& info : cdb_table()) {
    if (info.operation_code == operation_code && info.service_action && supports(info)) {
      return true;
    }
  }
  return false;
}

bool NvmeLu::supports(const CdbInfo& info) const {
  switch (info.requirement) {
    case Requirement::kNone:
      return true;
    case Requirement::kDeallocate:
      return caps_.deallocate;
    case Requirement::kCompareAndWrite:
      return caps_.compare_and_write;
    case Requirement::kCopyManager:
      return copy_manager_ != nullptr;
  }
  return false;
}

NvmeLu::NexusKey NvmeLu::key_of(const ItNexus& nexus) {
  return nexus.initiator_port + '\n' + nexus.target_port + '\n' +
         std::to_string(nexus.relative_target_port);
}

NvmeLu::NexusState& NvmeLu::nexus_locked(const ItNexus& nexus) {
  auto [it, created] = nexuses_.try_emplace(key_of(nexus));
  if (created) {
    it->second.unit_attentions.push_back(
        scsi::Sense::power_on_reset_or_bus_device_reset_occurred());
  }
  return it->second;
}

void NvmeLu::queue_unit_attention_locked(const scsi::Sense& ua, const NexusKey* except) {
  for (auto& [key, state] : nexuses_) {
    if (except != nullptr && key == *except) continue;
    auto& queue = state.unit_attentions;
    if (std::find(queue.begin(), queue.end(), ua) == queue.end()) queue.push_back(ua);
  }
}

std::optional<scsi::Sense> NvmeLu::pop_unit_attention(const ItNexus& nexus) {
  std::lock_guard lock(mutex_);
  auto& queue = nexus_locked(nexus).unit_attentions;
  if (queue.empty()) return std::nullopt;
  scsi::Sense ua = queue.front();
  queue.pop_front();
  return ua;
}

void NvmeLu::apply_mode(const ModeState& state, const ItNexus& from) {
  std::lock_guard lock(mutex_);
  const bool changed = state.wce != mode_.wce || state.d_sense != mode_.d_sense;
  mode_ = state;
  if (!changed) return;
  const NexusKey self = key_of(from);
  queue_unit_attention_locked(scsi::Sense::mode_parameters_changed(), &self);
}

void NvmeLu::nexus_lost(const ItNexus& nexus) {
  std::lock_guard lock(mutex_);
  nexuses_.erase(key_of(nexus));
}

void NvmeLu::reset(ResetEvent event) {
  const scsi::Sense ua = reset_unit_attention(event);
  const int rank = reset_precedence(ua);
  std::lock_guard lock(mutex_);
  // SAM-5 6.3.3 d): the operating mode returns to its power-on state; MODE SELECT's SP=1 is
  // refused (no saved values), so that is the default values.
  mode_ = default_mode();
  // SAM-5 6.3.3 e) and 6.3.2: a unit attention for every I_T nexus - the one that sent the
  // task management function too (unlike MODE SELECT's 2A/01, SPC-4 7.5.1, no nexus is
  // excepted). One reset condition per nexus is enough: one pending of equal or higher
  // precedence stays, a lower one gives way. The reset goes first, ahead of conditions from
  // before it.
  for (auto& [key, state] : nexuses_) {
    auto& queue = state.unit_attentions;
    const bool covered = std::any_of(queue.begin(), queue.end(), [rank](const scsi::Sense& s) {
      return reset_precedence(s) >= rank;
    });
    if (covered) continue;
    std::erase_if(queue, [](const scsi::Sense& s) { return reset_precedence(s) > 0; });
    queue.push_front(ua);
  }
}

void NvmeLu::capacity_changed() {
  auto ctrl = nvme::decode_identify_controller(device_.identify_controller());
  auto ns = nvme::decode_identify_namespace(device_.identify_namespace(nsid_));
  std::lock_guard lock(mutex_);
  if (ctrl && ns) geometry_ = geometry_of(*ctrl, *ns, device_.max_host_transfer_bytes());
  queue_unit_attention_locked(scsi::Sense::capacity_data_has_changed(), nullptr);
}

void NvmeLu::execute(ScsiCommand command, ScsiCompletion done) {
  auto x = std::make_shared<Exchange>();
  x->command = std::move(command);
  x->done = std::move(done);
  x->descriptor_sense = mode().d_sense;
  if (x->command.cdb.empty()) {
    return x->fail(scsi::Sense::invalid_command_operation_code().because("empty CDB"));
  }
  // The contract says never null; a transport bug must not crash the LU, so such
  // commands share one anonymous nexus.
  static const auto kAnonymousNexus = std::make_shared<const ItNexus>();
  if (!x->command.nexus) x->command.nexus = kAnonymousNexus;
  const std::uint8_t op = x->command.cdb[0];
  if (!passes_unit_attention(op)) {
    if (auto ua = pop_unit_attention(*x->command.nexus)) return x->fail(*ua);
  }
  const std::uint8_t sa = x->command.cdb.size() > 1 ? (x->command.cdb[1] & 0x1F) : 0;
  const CdbInfo* info = find_cdb(op, sa);
  if (info == nullptr || !supports(*info)) {
    // A known operation code with an unknown service action: the SERVICE ACTION field is
    // the invalid one (SPC-4 4.2.5.1).
    if (offers_service_actions(op)) {
      return x->fail(scsi::Sense::invalid_field_in_cdb(scsi::FieldRef::cdb(1, 4)));
    }
    return x->fail(scsi::Sense::invalid_command_operation_code());
  }
  if (auto valid = validate_cdb(*info, x->cdb()); !valid) return x->fail(valid.error());
  if (!dispatch(*info, x)) x->fail(scsi::Sense::invalid_command_operation_code());
}

bool NvmeLu::dispatch(const CdbInfo& info, const ExchangePtr& x) {
  using Handler = void (NvmeLu::*)(const ExchangePtr&);
  struct Route {
    std::uint8_t operation_code;
    Handler handler;
  };
  using namespace opcode;
  // REPORT LUNS is absent: ScsiTarget answers it before a unit is chosen.
  static constexpr Route kRoutes[] = {
      {kTestUnitReady, &NvmeLu::test_unit_ready},
      {kRequestSense, &NvmeLu::request_sense},
      {kInquiry, &NvmeLu::inquiry},
      {kModeSense6, &NvmeLu::mode_sense},
      {kModeSense10, &NvmeLu::mode_sense},
      {kModeSelect6, &NvmeLu::mode_select},
      {kModeSelect10, &NvmeLu::mode_select},
      {kReadCapacity10, &NvmeLu::read_capacity10},
      {kServiceActionIn16, &NvmeLu::service_action_in16},
      {kRead6, &NvmeLu::read},
      {kRead10, &NvmeLu::read},
      {kRead12, &NvmeLu::read},
      {kRead16, &NvmeLu::read},
      {kWrite6, &NvmeLu::write},
      {kWrite10, &NvmeLu::write},
      {kWrite12, &NvmeLu::write},
      {kWrite16, &NvmeLu::write},
      {kVerify10, &NvmeLu::verify},
      {kVerify12, &NvmeLu::verify},
      {kVerify16, &NvmeLu::verify},
      {kWriteAndVerify10, &NvmeLu::write_and_verify},
      {kWriteAndVerify12, &NvmeLu::write_and_verify},
      {kPreFetch10, &NvmeLu::prefetch},
      {kPreFetch16, &NvmeLu::prefetch},
      {kThirdPartyCopyOut, &NvmeLu::third_party_copy},
      {kThirdPartyCopyIn, &NvmeLu::third_party_copy},
      {kWriteAndVerify16, &NvmeLu::write_and_verify},
      {kSynchronizeCache10, &NvmeLu::synchronize_cache},
      {kSynchronizeCache16, &NvmeLu::synchronize_cache},
      {kCompareAndWrite, &NvmeLu::compare_and_write},
      {kUnmap, &NvmeLu::unmap},
      {kWriteSame10, &NvmeLu::write_same},
      {kWriteSame16, &NvmeLu::write_same},
      {kMaintenanceIn, &NvmeLu::report_supported_operation_codes},
  };
  for (const Route& route : kRoutes) {
    if (route.operation_code == info.operation_code) {
      (this->*route.handler)(x);
      return true;
    }
  }
  return false;
}

void NvmeLu::test_unit_ready(const ExchangePtr& x) {
  // The namespace is always ready: NVMe has no spin-up, and NOT READY conditions come back
  // per command (Namespace Not Ready -> 04/00, status_map.cc).
  x->reply(ScsiResponse::good());
}

void NvmeLu::request_sense(const ExchangePtr& x) {
  // SPC-4 6.39: DESC (byte 1 b0) picks the format; a pending unit attention is returned and
  // cleared; otherwise NO SENSE, NO ADDITIONAL SENSE INFORMATION.
  base::ByteReader r(x->cdb());
  r.skip(1);
  const bool desc = base::bit(r.u8(), 0);
  r.skip(2);
  const std::uint8_t allocation_length = r.u8();
  scsi::Sense sense;
  if (auto ua = pop_unit_attention(*x->command.nexus)) sense = *ua;
  x->data_in(scsi::encode_sense(sense, desc), allocation_length);
}

}  // namespace detail

std::unique_ptr<NvmeLogicalUnit> make_nvme_logical_unit(nvme::Device& device, std::uint32_t nsid,
                                                        LogicalUnitIdentity identity,
                                                        std::string* why) {
  auto fail = [why](std::string reason) -> std::unique_ptr<NvmeLogicalUnit> {
    if (why != nullptr) *why = std::move(reason);
    return nullptr;
  };
  auto ctrl = nvme::decode_identify_controller(device.identify_controller());
  if (!ctrl) return fail(device.name() + ": Identify Controller cannot be decoded");
  const auto ids = device.namespace_ids();
  if (std::find(ids.begin(), ids.end(), nsid) == ids.end()) {
    return fail(device.name() + ": namespace " + std::to_string(nsid) + " is not active");
  }
  auto ns = nvme::decode_identify_namespace(device.identify_namespace(nsid));
  if (!ns) return fail(device.name() + ": Identify Namespace cannot be decoded");
  if (ns->nsze == 0) return fail(device.name() + ": namespace has no blocks");
  // nvme::Command carries no metadata buffer, so a format with metadata (interleaved or
  // separate, PI included) cannot be served yet.
  if (ns->current_lba_format().ms != 0) {
    return fail(device.name() + ": namespace format has metadata, which is not supported");
  }
  if (identity.unique_name.empty()) {
    identity.unique_name = device.name() + "/" + std::to_string(nsid);
  }
  return std::make_unique<detail::NvmeLu>(device, nsid, std::move(identity),
                                          detail::geometry_of(*ctrl, *ns,
                                                              device.max_host_transfer_bytes()),
                                          detail::capabilities_of(*ctrl, *ns));
}

}  // namespace xg::translate
