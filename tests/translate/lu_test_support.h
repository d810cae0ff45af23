// Helpers for the tests of the NVMe-backed logical unit and the SCSI target: an
// EmulatedDevice in a temporary directory (optionally behind a FaultInjectingDevice), a
// synchronous execute(), CDB builders and whole-sense assertions.
#pragma once

#include <atomic>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "nvme/emulated_device.h"
#include "nvme/fault_injecting_device.h"
#include "nvme/io_commands.h"
#include "scsi/sense.h"
#include "tests/nvme/conformance/conformance_support.h"
#include "translate/nvme_logical_unit.h"
#include "translate/scsi_target.h"

namespace Catch {
template <>
struct StringMaker<xg::scsi::Sense> {
  static std::string convert(const xg::scsi::Sense& s) { return xg::scsi::describe(s); }
};
}  // namespace Catch

namespace xg::test {

using translate::DataDirection;
using translate::ItNexus;
using translate::ScsiCommand;
using translate::ScsiResponse;

// Records every SQE it passes on (decoded when it is an LBA-range command) and the most
// commands it ever had in flight at once.
class RecordingDevice final : public nvme::Device {
 public:
  explicit RecordingDevice(nvme::Device& inner) : inner_(inner) {}
  std::string name() const override { return inner_.name(); }
  std::span<const std::uint8_t> identify_controller() const override {
    if (!controller_.empty()) return controller_;
    return inner_.identify_controller();
  }
  // Presents a controller without some optional commands (ONCS bits cleared, FUSES 0).
  void hide_capabilities(std::uint16_t oncs_clear, bool hide_fused, bool hide_vwc = false) {
    auto id = nvme::decode_identify_controller(inner_.identify_controller());
    REQUIRE(id.has_value());
    id->oncs = static_cast<std::uint16_t>(id->oncs & ~oncs_clear);
    if (hide_fused) id->fuses = 0;
    if (hide_vwc) id->vwc = 0;
    controller_ = nvme::encode_identify_controller(id.value());
  }
  std::vector<std::uint32_t> namespace_ids() const override { return inner_.namespace_ids(); }
  std::uint32_t max_host_transfer_bytes() const override {
    return inner_.max_host_transfer_bytes();
  }
  std::span<const std::uint8_t> identify_namespace(std::uint32_t nsid) const override {
    if (!namespace_.empty() && nsid == 1) return namespace_;
    return inner_.identify_namespace(nsid);
  }
  // Presents namespace 1 with NSFEAT OPTPERF and the given NPWG (0's based).
  void set_preferred_write_granularity(std::uint16_t npwg) {
    auto id = nvme::decode_identify_namespace(inner_.identify_namespace(1));
    REQUIRE(id.has_value());
    id->nsfeat |= 0x10;
    id->npwg = npwg;
    namespace_ = nvme::encode_identify_namespace(id.value());
  }
  void submit(nvme::Command command, nvme::CompletionHandler done) override {
    record(command.sqe);
    inner_.submit(command, wrap(std::move(done)));
  }
  void submit_fused(nvme::Command compare, nvme::Command write,
                    nvme::CompletionHandler done) override {
    record(compare.sqe);
    record(write.sqe);
    ++fused_;
    inner_.submit_fused(compare, write, wrap(std::move(done)));
  }

  std::vector<nvme::SubmissionEntry> sqes(std::uint8_t opcode) const {
    std::lock_guard lock(mutex_);
    std::vector<nvme::SubmissionEntry> out;
    for (const auto& sqe : sqes_) {
      if (sqe.opcode == opcode) out.push_back(sqe);
    }
    return out;
  }
  std::vector<nvme::IoCommand> io(std::uint8_t opcode) const {
    std::vector<nvme::IoCommand> out;
    for (const auto& sqe : sqes(opcode)) {
      auto decoded = nvme::decode_io(sqe);
      REQUIRE(decoded.has_value());
      out.push_back(decoded.value());
    }
    return out;
  }
  std::size_t count(std::uint8_t opcode) const { return sqes(opcode).size(); }
  std::size_t max_in_flight() const {
    std::lock_guard lock(mutex_);
    return max_in_flight_;
  }
  std::size_t fused() const { return fused_; }
  void clear() {
    std::lock_guard lock(mutex_);
    sqes_.clear();
    max_in_flight_ = 0;
  }

 private:
  void record(const nvme::SubmissionEntry& sqe) {
    std::lock_guard lock(mutex_);
    sqes_.push_back(sqe);
    max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
  }
  nvme::CompletionHandler wrap(nvme::CompletionHandler done) {
    return [this, done = std::move(done)](const nvme::Completion& c) {
      {
        std::lock_guard lock(mutex_);
        --in_flight_;
      }
      done(c);
    };
  }

  nvme::Device& inner_;
  std::vector<std::uint8_t> controller_;
  std::vector<std::uint8_t> namespace_;
  mutable std::mutex mutex_;
  std::vector<nvme::SubmissionEntry> sqes_;
  std::size_t in_flight_ = 0;
  std::size_t max_in_flight_ = 0;
  std::atomic<std::size_t> fused_{0};
};

struct LuConfig {
  std::uint64_t capacity = 8192;   // blocks
  std::uint32_t lba_size = 512;
  std::uint8_t mdts = 1;           // 2 x 4 KiB = 8 KiB per NVMe command: splits early
  bool faults = false;             // put a FaultInjectingDevice in front
  std::uint8_t dlfeat = 0x09;
  std::uint16_t hide_oncs = 0;     // ONCS bits the LU must not see
  bool hide_fused = false;         // FUSES bit 0 hidden
  std::optional<std::uint16_t> npwg;  // NSFEAT OPTPERF with this NPWG (0's based)
  bool hide_vwc = false;           // no volatile write cache (VWC bit 0 clear)
  std::uint32_t host_max_transfer_bytes = 0;  // the device's host path limit (0 = none)
};

inline std::shared_ptr<const ItNexus> nexus_named(const std::string& initiator,
                                                  std::uint16_t tpgt = 1) {
  auto n = std::make_shared<ItNexus>();
  n->initiator_port = initiator + ",i,0x23d000000001";
  n->target_port = "iqn.2026-01.org.xgate:disk1,t,0x000" + std::to_string(tpgt);
  n->relative_target_port = tpgt;
  return n;
}

class LuHarness {
 public:
  explicit LuHarness(LuConfig config = {}) : config_(config) {
    nvme::EmulatedDeviceConfig dc;
    dc.controller.mdts = config.mdts;
    dc.controller.host_max_transfer_bytes = config.host_max_transfer_bytes;
    nvme::EmulatedNamespaceConfig ns;
    ns.nsid = 1;
    ns.path = dir_.file("ns1.img");
    ns.capacity = config.capacity;
    ns.lba_size = config.lba_size;
    ns.dlfeat = config.dlfeat;
    dc.namespaces.push_back(ns);
    auto device = nvme::EmulatedDevice::create(dc);
    if (!device) FAIL(device.error().path << ": " << device.error().why);
    emulated_ = std::move(device).value();
    if (config.faults) faults_ = std::make_unique<nvme::FaultInjectingDevice>(*emulated_);
    recording_ = std::make_unique<RecordingDevice>(
        faults_ ? static_cast<nvme::Device&>(*faults_) : *emulated_);
    if (config.hide_oncs != 0 || config.hide_fused || config.hide_vwc) {
      recording_->hide_capabilities(config.hide_oncs, config.hide_fused, config.hide_vwc);
    }
    if (config.npwg) recording_->set_preferred_write_granularity(*config.npwg);
    translate::LogicalUnitIdentity id;
    id.unique_name = "emulated-test/1";
    id.ieee_company_id = 0x001405;
    std::string why;
    lu_ = translate::make_nvme_logical_unit(device_ref(), 1, id, &why);
    if (!lu_) FAIL(why);
    nexus_ = nexus_named("iqn.1993-08.org.debian:01:host");
  }

  nvme::Device& device_ref() { return *recording_; }
  RecordingDevice& recording() { return *recording_; }
  nvme::EmulatedDevice& emulated() { return *emulated_; }
  nvme::FaultInjectingDevice& faults() { return *faults_; }
  translate::NvmeLogicalUnit& lu() { return *lu_; }
  const std::shared_ptr<const ItNexus>& nexus() const { return nexus_; }
  std::uint32_t block_size() const { return config_.lba_size; }
  NamespaceIo io() { return NamespaceIo{*emulated_, 1, config_.lba_size}; }
  // The namespace's bytes, read behind the LU's back (16 blocks per NVMe Read, within
  // every harness MDTS).
  Bytes medium(std::uint64_t lba, std::size_t blocks) {
    Bytes out;
    for (std::size_t done = 0; done < blocks; done += 16) {
      const Bytes piece = io().read(lba + done, std::min<std::size_t>(16, blocks - done));
      out.insert(out.end(), piece.begin(), piece.end());
    }
    return out;
  }

  ScsiResponse run(const Bytes& cdb, const Bytes& data_out = {},
                   std::shared_ptr<const ItNexus> nexus = nullptr) {
    ScsiCommand command;
    command.cdb = cdb;
    command.data_out = data_out;
    command.expected_transfer_length = static_cast<std::uint32_t>(data_out.size());
    command.direction = data_out.empty() ? DataDirection::kNone : DataDirection::kToDevice;
    command.nexus = nexus ? nexus : nexus_;
    std::promise<ScsiResponse> promise;
    auto future = promise.get_future();
    lu_->execute(std::move(command), [&promise](ScsiResponse r) { promise.set_value(std::move(r)); });
    return future.get();
  }

  // Consumes the POWER ON unit attention of the default nexus (TEST UNIT READY).
  LuHarness& ready() {
    const ScsiResponse r = run(hex("00 00 00 00 00 00"));
    REQUIRE(r.status == scsi::Status::kCheckCondition);
    return *this;
  }

 private:
  // Destroyed bottom-up: the LU, then the devices (which wait for in-flight commands whose
  // handlers still pass through recording_), then recording_ and the files.
  LuConfig config_;
  TempDir dir_;
  std::unique_ptr<RecordingDevice> recording_;
  std::unique_ptr<nvme::EmulatedDevice> emulated_;
  std::unique_ptr<nvme::FaultInjectingDevice> faults_;
  std::unique_ptr<translate::NvmeLogicalUnit> lu_;
  std::shared_ptr<const ItNexus> nexus_;
};

inline scsi::Sense sense_of(const ScsiResponse& r) {
  REQUIRE(r.status == scsi::Status::kCheckCondition);
  auto decoded = scsi::decode_sense(r.sense);
  REQUIRE(decoded.has_value());
  return decoded.value();
}

// The whole sense: key, ASC/ASCQ, INFORMATION, field pointer (byte and bit), ...
inline void check_sense(const ScsiResponse& r, const scsi::Sense& expected) {
  CHECK(r.data_in.empty());
  CHECK(sense_of(r) == expected);
}

// MISCOMPARE, MISCOMPARE DURING VERIFY OPERATION (1D/00), INFORMATION = byte offset.
inline scsi::Sense miscompare(std::uint64_t offset) {
  scsi::Sense s;
  s.key = scsi::SenseKey::kMiscompare;
  s.asc = 0x1D;
  s.information = offset;
  return s;
}

inline void check_good(const ScsiResponse& r) {
  if (r.status != scsi::Status::kGood) {
    auto decoded = scsi::decode_sense(r.sense);
    FAIL("status " << int(r.status) << " " << (decoded ? scsi::describe(decoded.value()) : ""));
  }
}

// CDB builders (big-endian fields at the SBC-4 offsets).
inline Bytes cdb10(std::uint8_t op, std::uint8_t flags, std::uint32_t lba, std::uint16_t blocks) {
  return {op, flags, std::uint8_t(lba >> 24), std::uint8_t(lba >> 16), std::uint8_t(lba >> 8),
          std::uint8_t(lba), 0, std::uint8_t(blocks >> 8), std::uint8_t(blocks), 0};
}
inline Bytes cdb16(std::uint8_t op, std::uint8_t flags, std::uint64_t lba, std::uint32_t blocks) {
  Bytes c(16, 0);
  c[0] = op;
  c[1] = flags;
  for (int i = 0; i < 8; ++i) c[2 + i] = std::uint8_t(lba >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) c[10 + i] = std::uint8_t(blocks >> (24 - 8 * i));
  return c;
}
inline Bytes cdb12(std::uint8_t op, std::uint8_t flags, std::uint32_t lba, std::uint32_t blocks) {
  Bytes c(12, 0);
  c[0] = op;
  c[1] = flags;
  for (int i = 0; i < 4; ++i) c[2 + i] = std::uint8_t(lba >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) c[6 + i] = std::uint8_t(blocks >> (24 - 8 * i));
  return c;
}

}  // namespace xg::test
