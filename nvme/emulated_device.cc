#include "nvme/emulated_device.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>

#include "nvme/identify.h"
#include "nvme/io_commands.h"

namespace xg::nvme {
namespace {

constexpr std::uint32_t kBroadcastNsid = 0xFFFFFFFFU;
constexpr std::uint32_t kMemoryPageSize = 4096;  // CAP.MPSMIN: the unit of MDTS
constexpr std::uint32_t kDsmAttributeDeallocateCdw11 = 1U << 2;  // CDW11 bit 2 AD

Completion done(Status status, std::uint32_t dw0 = 0) { return Completion{status, dw0, 0}; }

Status read_error() { return Status::media(kScUnrecoveredReadError, false); }
Status write_fault() { return Status::media(kScWriteFault, false); }
Status compare_failure() { return Status::media(kScCompareFailure, true); }

IdentifyController controller_identity(const EmulatedDeviceConfig& config) {
  IdentifyController id;
  id.sn = config.controller.serial;
  id.mn = config.controller.model;
  id.fr = config.controller.firmware;
  id.mdts = config.controller.mdts;
  id.cntlid = 1;
  id.ver = 0x00020000;  // NVMe 2.0: Copy and its formats are 2.0 features
  id.sqes = 0x66;       // 64-byte SQEs
  id.cqes = 0x44;       // 16-byte CQEs
  id.maxcmd = 1024;
  std::uint32_t nn = 0;
  for (const auto& ns : config.namespaces) nn = std::max(nn, ns.nsid);
  id.nn = nn;
  id.oncs = kOncsCompare | kOncsDatasetManagement | kOncsWriteZeroes | kOncsVerify | kOncsCopy;
  id.fuses = kFusesCompareAndWrite;
  id.vwc = 0x01;
  id.ocfs = config.controller.cross_namespace_copy ? 0x000F : 0x0003;
  id.subnqn = "nqn.2026-01.io.xgate:emulated:" + config.controller.serial;
  return id;
}

IdentifyNamespace namespace_identity(const EmulatedNamespaceConfig& c) {
  IdentifyNamespace id;
  id.nsze = c.capacity;
  id.ncap = c.capacity;
  id.nuse = c.capacity;
  id.nlbaf = 0;  // one format, index 0, no metadata, no PI
  id.flbas = 0;
  id.dlfeat = c.dlfeat;
  id.mssrl = c.mssrl;
  id.mcl = c.mcl;
  id.msrc = c.msrc;
  id.lbaf[0].lbads = c.lba_size == 4096 ? std::uint8_t{12} : std::uint8_t{9};
  // NGUID: stable per (serial-independent) NSID so hosts can tell namespaces apart.
  id.nguid[0] = 0x58;  // 'X'
  id.nguid[1] = 0x47;  // 'G'
  for (unsigned i = 0; i < 4; ++i) {
    id.nguid[12 + i] = static_cast<std::uint8_t>(c.nsid >> (8 * (3 - i)));
  }
  return id;
}

}  // namespace

// ---- Construction and the worker pool ---------------------------------------------

EmulatedDevice::EmulatedDevice(EmulatedDeviceConfig config) : config_(std::move(config)) {}

base::Result<std::unique_ptr<EmulatedDevice>, OpenError> EmulatedDevice::create(
    EmulatedDeviceConfig config) {
  if (config.namespaces.empty()) return OpenError{"", "no namespaces configured", 0};
  std::unique_ptr<EmulatedDevice> device(new EmulatedDevice(std::move(config)));
  const EmulatedDeviceConfig& c = device->config_;
  for (const auto& ns_config : c.namespaces) {
    if (ns_config.nsid == 0 || ns_config.nsid == kBroadcastNsid ||
        device->namespaces_.count(ns_config.nsid) != 0) {
      return OpenError{ns_config.path,
                       "NSID " + std::to_string(ns_config.nsid) + " is invalid or duplicate", 0};
    }
    auto storage = EmulatedNamespace::open(ns_config);
    if (!storage) return std::move(storage).error();
    auto ns = std::make_unique<Namespace>();
    ns->storage = std::move(storage).value();
    const IdentifyNamespace id = namespace_identity(ns_config);
    ns->identify = encode_identify_namespace(id);
    ns->copy_info = namespace_copy_info(ns_config.nsid, id);
    device->namespaces_.emplace(ns_config.nsid, std::move(ns));
  }
  const IdentifyController id = controller_identity(c);
  device->identify_controller_ = encode_identify_controller(id);
  // No Set Features (Host Behavior Support) path exists here, so cross-namespace formats
  // are enabled exactly when they are supported.
  device->caps_ = controller_copy_caps(id, c.controller.cross_namespace_copy ? 0x000C : 0);
  const unsigned threads = std::max(1U, c.controller.threads);
  for (unsigned i = 0; i < threads; ++i) device->workers_.emplace_back([d = device.get()] {
    d->worker();
  });
  return device;
}

EmulatedDevice::~EmulatedDevice() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void EmulatedDevice::enqueue(std::function<Completion()> run, CompletionHandler done_handler) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(Job{std::move(run), std::move(done_handler)});
  }
  wake_.notify_one();
}

// Workers drain the queue before they exit, so destruction completes every command.
void EmulatedDevice::worker() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    const Completion completion = job.run();
    job.done(completion);
  }
}

void EmulatedDevice::submit(Command command, CompletionHandler done_handler) {
  enqueue([this, command] { return execute_command(command); }, std::move(done_handler));
}

void EmulatedDevice::submit_fused(Command compare, Command write,
                                  CompletionHandler done_handler) {
  enqueue([this, compare, write] { return execute_fused(compare, write); },
          std::move(done_handler));
}

// ---- Identify ---------------------------------------------------------------------

std::string EmulatedDevice::name() const {
  const std::filesystem::path first(config_.namespaces.front().path);
  return "emulated:" + first.parent_path().string();
}

std::span<const std::uint8_t> EmulatedDevice::identify_controller() const {
  return identify_controller_;
}

std::vector<std::uint32_t> EmulatedDevice::namespace_ids() const {
  std::vector<std::uint32_t> ids;
  for (const auto& entry : namespaces_) ids.push_back(entry.first);
  return ids;
}

std::span<const std::uint8_t> EmulatedDevice::identify_namespace(std::uint32_t nsid) const {
  const auto it = namespaces_.find(nsid);
  if (it == namespaces_.end()) return {};
  return it->second->identify;
}

std::uint32_t EmulatedDevice::max_transfer_bytes() const {
  const std::uint8_t mdts = config_.controller.mdts;
  if (mdts == 0) return 0;
  return kMemoryPageSize << std::min<std::uint8_t>(mdts, 19);
}

std::uint32_t EmulatedDevice::max_host_transfer_bytes() const {
  return config_.controller.host_max_transfer_bytes;
}

bool EmulatedDevice::over_host_limit(const Command& command) const {
  const std::uint32_t limit = max_host_transfer_bytes();
  return limit != 0 && command.data.size() > limit;
}

EmulatedDevice::Namespace* EmulatedDevice::find(std::uint32_t nsid) {
  const auto it = namespaces_.find(nsid);
  return it == namespaces_.end() ? nullptr : it->second.get();
}

// ---- Command execution ------------------------------------------------------------

Completion EmulatedDevice::execute_command(const Command& command) {
  const std::uint8_t opcode = command.sqe.opcode;
  const bool known = opcode == kOpcodeFlush || opcode == kOpcodeRead ||
                     opcode == kOpcodeWrite || opcode == kOpcodeCompare ||
                     opcode == kOpcodeVerify || opcode == kOpcodeWriteZeroes ||
                     opcode == kOpcodeDatasetManagement || opcode == kOpcodeCopy;
  if (!known) return done(Status::invalid_command_opcode());
  if (over_host_limit(command)) return done(Status::invalid_field_in_command());
  if (command.sqe.fuse != Fuse::kNormal) {
    // A lone half of a fused pair: the other half never arrives through submit().
    return done(Status::generic(kScCommandAbortedDueToMissingFusedCommand, false));
  }
  if (opcode == kOpcodeFlush) return flush(command.sqe.nsid);
  Namespace* ns = find(command.sqe.nsid);
  if (ns == nullptr) return done(Status::invalid_namespace_or_format());
  switch (opcode) {
    case kOpcodeRead:
    case kOpcodeWrite:
    case kOpcodeCompare:
      return read_write(*ns, command);
    case kOpcodeVerify:
      return verify(*ns, command);
    case kOpcodeWriteZeroes:
      return write_zeroes(*ns, command);
    case kOpcodeDatasetManagement:
      return dataset_management(*ns, command);
    default:
      return copy(*ns, command);
  }
}

Completion EmulatedDevice::read_write(Namespace& ns, const Command& command) {
  const auto io = decode_io(command.sqe);
  if (!io) return done(Status::invalid_field_in_command());
  const std::uint64_t bytes = std::uint64_t{io->blocks()} * ns.storage->lba_size();
  const std::uint32_t mdts = max_transfer_bytes();
  if ((mdts != 0 && bytes > mdts) || command.data.size() != bytes) {
    return done(Status::invalid_field_in_command());
  }
  if (!ns.storage->in_range(io->slba, io->blocks())) return done(Status::lba_out_of_range());
  std::shared_lock lock(ns.lock);
  if (io->opcode == kOpcodeRead) {
    return done(ns.storage->read(io->slba, command.data) ? Status::success() : read_error());
  }
  if (io->opcode == kOpcodeWrite) {
    return done(ns.storage->write(io->slba, command.data) ? Status::success() : write_fault());
  }
  std::vector<std::uint8_t> stored(command.data.size());
  if (!ns.storage->read(io->slba, stored)) return done(read_error());
  const bool same = std::equal(stored.begin(), stored.end(), command.data.begin());
  return done(same ? Status::success() : compare_failure());
}

Completion EmulatedDevice::verify(Namespace& ns, const Command& command) {
  const auto io = decode_io(command.sqe);
  if (!io) return done(Status::invalid_field_in_command());
  if (!ns.storage->in_range(io->slba, io->blocks())) return done(Status::lba_out_of_range());
  std::shared_lock lock(ns.lock);
  std::vector<std::uint8_t> scratch(std::size_t{io->blocks()} * ns.storage->lba_size());
  return done(ns.storage->read(io->slba, scratch) ? Status::success() : read_error());
}

Completion EmulatedDevice::write_zeroes(Namespace& ns, const Command& command) {
  const auto io = decode_io(command.sqe);
  if (!io) return done(Status::invalid_field_in_command());
  if (!ns.storage->in_range(io->slba, io->blocks())) return done(Status::lba_out_of_range());
  std::shared_lock lock(ns.lock);
  const bool ok = ns.storage->write_zeroes(io->slba, io->blocks(), io->deac);
  return done(ok ? Status::success() : write_fault());
}

Completion EmulatedDevice::dataset_management(Namespace& ns, const Command& command) {
  const std::size_t count = (command.sqe.cdw10 & 0xFFU) + 1;
  const auto ranges = decode_dsm_ranges(command.data, count);
  if (!ranges) return done(Status::invalid_field_in_command());
  for (const DsmRange& r : *ranges) {
    if (!ns.storage->in_range(r.slba, r.length)) return done(Status::lba_out_of_range());
  }
  // Without AD the attributes are access hints (IDR/IDW): nothing to do.
  if ((command.sqe.cdw11 & kDsmAttributeDeallocateCdw11) == 0) return done(Status::success());
  std::shared_lock lock(ns.lock);
  for (const DsmRange& r : *ranges) {
    if (r.length == 0) continue;
    if (!ns.storage->write_zeroes(r.slba, r.length, true)) return done(write_fault());
  }
  return done(Status::success());
}

Completion EmulatedDevice::flush(std::uint32_t nsid) {
  if (nsid == kBroadcastNsid) {
    for (auto& entry : namespaces_) {
      if (!entry.second->storage->flush()) return done(write_fault());
    }
    return done(Status::success());
  }
  Namespace* ns = find(nsid);
  if (ns == nullptr) return done(Status::invalid_namespace_or_format());
  return done(ns->storage->flush() ? Status::success() : write_fault());
}

Completion EmulatedDevice::copy(Namespace& ns, const Command& command) {
  const auto cmd = decode_copy(command.sqe);
  if (!cmd) return done(Status::invalid_field_in_command());
  // A descriptor list shorter than NR+1 descriptors (or of an unknown format) cannot be
  // fetched; answer Invalid Field like QEMU's format check rather than read past it.
  const auto ranges = decode_source_ranges(command.data, cmd->desfmt, cmd->range_count());
  if (!ranges) return done(Status::invalid_field_in_command());
  const NamespaceLookup lookup = [this](std::uint32_t nsid) -> const NamespaceCopyInfo* {
    const Namespace* source = find(nsid);
    return source == nullptr ? nullptr : &source->copy_info;
  };
  const CopyVerdict verdict = validate_copy(*cmd, *ranges, caps_, ns.copy_info, lookup);
  // A failure in range k means ranges 0..k-1 were copied (DW0 = k, NVM Command Set 1.0
  // 3.2.2),
  // so run those first, in order, as a controller that checks range by range would.
  const std::size_t runnable = verdict.status.ok() ? ranges->size() : verdict.dw0;
  const std::span<const SourceRange> run = std::span(*ranges).first(runnable);

  // Shared locks on every namespace involved, in ascending NSID order (std::set).
  std::set<std::uint32_t> involved{ns.storage->nsid()};
  if (is_cross_namespace_format(cmd->desfmt)) {
    for (const SourceRange& r : run) involved.insert(r.snsid);
  }
  std::vector<std::shared_lock<std::shared_mutex>> locks;
  for (const std::uint32_t nsid : involved) locks.emplace_back(find(nsid)->lock);

  // Ranges that follow one another in the same source namespace move as ONE copy_file_range:
  // the destination is contiguous by definition, and a Copy cut at MSSRL arrives as many
  // short ranges (with MSSRL 128, 64 KiB each), which as separate calls cost a syscall,
  // an extent-map walk and the inode locks each, and which, once a cut falls off a 4 KiB
  // boundary, XFS can no longer reflink. Only runs whose source and destination do not
  // overlap merge: then copying them range by range and all at once give the same bytes,
  // while an overlapping run stays range by range, each range a memmove, as before.
  const bool cross = is_cross_namespace_format(cmd->desfmt);
  std::uint64_t destination = cmd->sdlba;
  for (std::size_t k = 0; k < run.size();) {
    const Namespace* source = cross ? find(run[k].snsid) : &ns;
    std::size_t end = k + 1;
    std::uint64_t blocks = run[k].blocks();
    for (; end < run.size(); ++end) {
      const SourceRange& next = run[end];
      if ((cross && next.snsid != run[k].snsid) || next.slba != run[k].slba + blocks) break;
      const bool same_file = source == &ns;
      const std::uint64_t merged = blocks + next.blocks();
      if (same_file && run[k].slba < destination + merged && destination < run[k].slba + merged) {
        break;
      }
      blocks = merged;
    }
    const CopyOutcome outcome =
        ns.storage->copy_from(*source->storage, run[k].slba, destination, blocks);
    if (outcome.failure != IoFailure::kNone) {
      // DW0: the first range not fully copied (NVM Command Set 1.0 3.2.2), however many
      // merged.
      std::size_t failed = k;
      for (std::uint64_t copied = 0;
           failed + 1 < end && copied + run[failed].blocks() <= outcome.blocks_copied; ++failed) {
        copied += run[failed].blocks();
      }
      return done(outcome.failure == IoFailure::kRead ? read_error() : write_fault(),
                  static_cast<std::uint32_t>(failed));
    }
    destination += blocks;
    k = end;
  }
  return done(verdict.status, verdict.dw0);
}

Completion EmulatedDevice::execute_fused(const Command& compare, const Command& write) {
  const auto c = decode_io(compare.sqe);
  const auto w = decode_io(write.sqe);
  // Base 2.0 3.4.2: the pair must be Compare (FUSE 01b) then Write (FUSE 10b) on the same
  // namespace and LBA range.
  if (!c || !w || c->opcode != kOpcodeCompare || w->opcode != kOpcodeWrite ||
      compare.sqe.fuse != Fuse::kFirst || write.sqe.fuse != Fuse::kSecond ||
      c->nsid != w->nsid || c->slba != w->slba || c->nlb != w->nlb ||
      over_host_limit(compare) || over_host_limit(write)) {
    return done(Status::invalid_field_in_command());
  }
  Namespace* ns = find(c->nsid);
  if (ns == nullptr) return done(Status::invalid_namespace_or_format());
  const std::uint64_t bytes = std::uint64_t{c->blocks()} * ns->storage->lba_size();
  const std::uint32_t mdts = max_transfer_bytes();
  if ((mdts != 0 && bytes > mdts) || compare.data.size() != bytes || write.data.size() != bytes) {
    return done(Status::invalid_field_in_command());
  }
  if (!ns->storage->in_range(c->slba, c->blocks())) return done(Status::lba_out_of_range());
  std::unique_lock lock(ns->lock);
  std::vector<std::uint8_t> stored(compare.data.size());
  if (!ns->storage->read(c->slba, stored)) return done(read_error());
  if (!std::equal(stored.begin(), stored.end(), compare.data.begin())) {
    return done(compare_failure());
  }
  return done(ns->storage->write(w->slba, write.data) ? Status::success() : write_fault());
}

}  // namespace xg::nvme
