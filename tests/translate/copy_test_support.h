// The copy manager's test bench: a ScsiTarget with two LUs (LUN 0 = nsid 1, LUN 1 = nsid 2)
// on one emulated controller with small Copy limits (MSSRL 64, MCL 128, MSRC 3, so a
// 300-block segment becomes several Copy commands), a fault injector in front, and
// helpers that build EXTENDED COPY lists and RECEIVE COPY RESULTS CDBs.
#pragma once

#include <chrono>
#include <future>
#include <thread>

#include "scsi/receive_copy_results.h"
#include "scsi/xcopy_params.h"
#include "tests/translate/lu_test_support.h"
#include "translate/copy_manager.h"

namespace xg::test {

using scsi::FieldRef;
using scsi::Sense;

// The device under the two LUs; the defaults are the small limits most tests rely on.
struct CopyDeviceLimits {
  bool cross_namespace = false;
  std::uint16_t mssrl = 64;  // a 300-block segment becomes several Copy commands
  std::uint32_t mcl = 128;
  std::uint8_t msrc = 3;
  std::uint8_t mdts = 7;  // 2^7 x 4 KiB = 1024 blocks per Read/Write
  std::uint64_t capacity = 4096;
  std::uint32_t host_max_transfer_bytes = 0;  // the device's host path limit (0 = none)
};

struct CopyHarness {
  TempDir dir;
  std::unique_ptr<nvme::EmulatedDevice> emulated;
  std::unique_ptr<nvme::FaultInjectingDevice> faults;
  translate::ScsiTarget target;
  std::shared_ptr<const ItNexus> nexus = nexus_named("iqn.2026-12.org.xgate.test:copy");

  explicit CopyHarness(bool cross_namespace = false)
      : CopyHarness(CopyDeviceLimits{.cross_namespace = cross_namespace}) {}

  explicit CopyHarness(const CopyDeviceLimits& limits) {
    nvme::EmulatedDeviceConfig config;
    config.controller.cross_namespace_copy = limits.cross_namespace;
    config.controller.mdts = limits.mdts;
    config.controller.host_max_transfer_bytes = limits.host_max_transfer_bytes;
    for (std::uint32_t nsid : {1U, 2U}) {
      nvme::EmulatedNamespaceConfig ns;
      ns.nsid = nsid;
      ns.path = dir.file("ns" + std::to_string(nsid));
      ns.capacity = limits.capacity;
      ns.mssrl = limits.mssrl;
      ns.mcl = limits.mcl;
      ns.msrc = limits.msrc;
      config.namespaces.push_back(ns);
    }
    auto created = nvme::EmulatedDevice::create(config);
    REQUIRE(created.has_value());
    emulated = std::move(created).value();
    faults = std::make_unique<nvme::FaultInjectingDevice>(*emulated);
    for (std::uint32_t nsid : {1U, 2U}) {
      target.add_lun(nsid - 1, translate::make_nvme_logical_unit(*faults, nsid, {}));
    }
    for (std::uint64_t lun : {0U, 1U}) run(lun, hex("00 00 00 00 00 00"));  // POWER ON UA
  }
  ~CopyHarness() {
    target = translate::ScsiTarget();  // the LUs go before the devices they use
    faults.reset();
    emulated.reset();
  }

  // Sends a command without waiting for its answer (copies that are held, aborted, ...).
  std::future<ScsiResponse> start(std::uint64_t lun, const Bytes& cdb, const Bytes& data_out = {},
                                  std::uint32_t task_tag = 0,
                                  std::shared_ptr<const ItNexus> from = nullptr) {
    ScsiCommand command;
    command.cdb = cdb;
    command.lun = lun;
    command.data_out = data_out;
    command.expected_transfer_length = static_cast<std::uint32_t>(data_out.size());
    command.direction = data_out.empty() ? DataDirection::kNone : DataDirection::kToDevice;
    command.nexus = from ? from : nexus;
    command.task_tag = task_tag;
    auto promise = std::make_shared<std::promise<ScsiResponse>>();
    auto future = promise->get_future();
    target.execute(std::move(command),
                   [promise](ScsiResponse r) { promise->set_value(std::move(r)); });
    return future;
  }

  ScsiResponse run(std::uint64_t lun, const Bytes& cdb, const Bytes& data_out = {}) {
    return start(lun, cdb, data_out).get();
  }

  // Releases the held commands, from a thread of its own, once a stop has reached a copy
  // (CopyManager::stopping_count): a stop answers only after the copy's commands are done,
  // so the test cannot release them itself while it waits for that answer. Join it.
  std::thread release_when_stopping() {
    return std::thread([manager = target.copy_manager(), faults = faults.get()] {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (manager->stopping_count() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      faults->release_held();
    });
  }

  // Waits until the fault injector holds `count` commands (the bound only turns a hang
  // into a failure).
  void wait_held(std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (faults->held_count() < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    REQUIRE(faults->held_count() == count);
  }

  NamespaceIo io(std::uint32_t nsid) { return NamespaceIo{*emulated, nsid, 512}; }

  scsi::Designator naa(std::uint64_t lun) {
    const translate::CopyEndpoint* e = target.copy_manager()->endpoint(lun);
    REQUIRE(e != nullptr);
    return e->designators.front();
  }
};

inline scsi::CscdDescriptor cscd_for(const scsi::Designator& designator) {
  scsi::CscdDescriptor c;
  c.body = scsi::IdentificationCscd{designator};
  c.device_parameters.disk_block_length = 512;
  return c;
}

inline scsi::SegmentDescriptor segment(std::uint16_t src, std::uint16_t dst, std::uint64_t src_lba,
                                       std::uint64_t dst_lba, std::uint16_t blocks) {
  scsi::SegmentDescriptor s;
  s.source_cscd_descriptor_id = src;
  s.destination_cscd_descriptor_id = dst;
  s.body = scsi::BlockToBlock{blocks, src_lba, dst_lba};
  return s;
}

inline Bytes xcopy_cdb(std::size_t length) {
  Bytes cdb(16, 0);
  cdb[0] = 0x83;
  cdb[10] = std::uint8_t(length >> 24);
  cdb[11] = std::uint8_t(length >> 16);
  cdb[12] = std::uint8_t(length >> 8);
  cdb[13] = std::uint8_t(length);
  return cdb;
}

inline Bytes rcr_cdb(std::uint8_t service_action, std::uint8_t list_id) {
  return Bytes{0x84, service_action, list_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x04, 0, 0, 0};
}

inline scsi::ExtendedCopyList list_of(std::vector<scsi::CscdDescriptor> cscds,
                                      std::vector<scsi::SegmentDescriptor> segments,
                                      std::uint8_t list_id = 1) {
  scsi::ExtendedCopyList list;
  list.list_identifier = list_id;
  list.list_id_usage = scsi::ListIdUsage::kHold;
  list.cscds = std::move(cscds);
  list.segments = std::move(segments);
  return list;
}

inline ScsiResponse xcopy(CopyHarness& h, std::uint64_t lun, const scsi::ExtendedCopyList& list) {
  const Bytes parameters = scsi::encode_extended_copy(list);
  return h.run(lun, xcopy_cdb(parameters.size()), parameters);
}

inline scsi::CopyStatusLid1 copy_status(CopyHarness& h, std::uint64_t lun, std::uint8_t list_id) {
  const ScsiResponse r = h.run(lun, rcr_cdb(0x00, list_id));
  check_good(r);
  auto status = scsi::decode_copy_status_lid1(r.data_in);
  REQUIRE(status.has_value());
  return status.value();
}

}  // namespace xg::test
