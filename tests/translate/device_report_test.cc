// translate::make_device_report: identify data -> what `xgate nvme-info` shows and the
// (provisional) SCSI limits derived from it (translate/device_report.h).
#include "translate/device_report.h"

#include <map>

#include "nvme/device.h"
#include "nvme/identify.h"
#include "tests/support/catch.h"

namespace xg::translate {
namespace {

// A Device that only has identify data (no I/O is needed for a report).
class IdentifyOnlyDevice final : public nvme::Device {
 public:
  IdentifyOnlyDevice(const nvme::IdentifyController& controller,
                     const std::map<std::uint32_t, nvme::IdentifyNamespace>& namespaces)
      : controller_(nvme::encode_identify_controller(controller)) {
    for (const auto& [nsid, ns] : namespaces) namespaces_[nsid] = nvme::encode_identify_namespace(ns);
  }
  std::string name() const override { return "fake:identify"; }
  std::span<const std::uint8_t> identify_controller() const override { return controller_; }
  std::vector<std::uint32_t> namespace_ids() const override {
    std::vector<std::uint32_t> ids;
    for (const auto& entry : namespaces_) ids.push_back(entry.first);
    return ids;
  }
  std::span<const std::uint8_t> identify_namespace(std::uint32_t nsid) const override {
    auto it = namespaces_.find(nsid);
    if (it == namespaces_.end()) return {};
    return it->second;
  }
  void submit(nvme::Command, nvme::CompletionHandler) override {}
  void submit_fused(nvme::Command, nvme::Command, nvme::CompletionHandler) override {}

  std::vector<std::uint8_t> controller_;
  std::map<std::uint32_t, std::vector<std::uint8_t>> namespaces_;
};

nvme::IdentifyController qemu_controller() {
  nvme::IdentifyController id;
  id.mn = "QEMU NVMe Ctrl";
  id.sn = "HARNESS0001";
  id.fr = "7.2.22";
  id.mdts = 7;
  id.oncs = 0x015D;  // QEMU 7.2: Compare, DSM, Write Zeroes, Timestamp, Copy (bit 8)...
  id.ocfs = 0x0003;  // formats 0h and 1h
  id.fuses = 0;
  id.vwc = 1;
  return id;
}

nvme::IdentifyNamespace namespace_with(std::uint8_t lbads, std::uint16_t mssrl,
                                       std::uint32_t mcl, std::uint8_t msrc) {
  nvme::IdentifyNamespace ns;
  ns.nsze = ns.ncap = 524288;
  ns.nlbaf = 1;
  ns.flbas = 0x01;          // format #1
  ns.lbaf[0].lbads = 9;
  ns.lbaf[1].lbads = lbads;
  ns.lbaf[1].ms = 8;
  ns.dps = 0x1;             // PI type 1
  ns.mssrl = mssrl;
  ns.mcl = mcl;
  ns.msrc = msrc;
  return ns;
}

TEST_CASE("device report: QEMU-like controller -> Copy yes, formats 0h/1h, MDTS 7 = 512 KiB "
          "(NVMe Base 2.0 Identify Controller ONCS/OCFS/MDTS)", "[translate][device_report]") {
  IdentifyOnlyDevice device(qemu_controller(), {{1, namespace_with(12, 128, 1024, 15)}});
  const DeviceReport report = make_device_report(device);
  CHECK(report.name == "fake:identify");
  CHECK(report.problems.empty());
  const ControllerReport& c = report.controller;
  CHECK(c.model == "QEMU NVMe Ctrl");
  CHECK(c.serial == "HARNESS0001");
  CHECK(c.firmware == "7.2.22");
  CHECK(c.copy);
  CHECK(c.copy_formats == std::vector<std::uint8_t>{0, 1});
  CHECK_FALSE(c.cross_namespace_copy);
  CHECK_FALSE(c.compare_and_write);
  CHECK(c.volatile_write_cache);
  CHECK(c.max_transfer_bytes == 512 * 1024);
}

TEST_CASE("device report: namespace LBA format, PI, MSSRL/MCL/MSRC and the provisional SCSI "
          "limits (MAXIMUM SEGMENT LENGTH = MSSRL x LBA size)", "[translate][device_report]") {
  IdentifyOnlyDevice device(qemu_controller(), {{1, namespace_with(12, 64, 256, 7)}});
  const DeviceReport report = make_device_report(device);
  REQUIRE(report.namespaces.size() == 1);
  const NamespaceReport& ns = report.namespaces[0];
  CHECK(ns.nsid == 1);
  CHECK(ns.lba_format_index == 1);
  CHECK(ns.lba_size == 4096);
  CHECK(ns.metadata_size == 8);
  CHECK(ns.pi_type == 1);
  CHECK(ns.capacity_blocks == 524288);
  CHECK(ns.capacity_bytes == 524288ULL * 4096);
  CHECK(ns.mssrl == 64);
  CHECK(ns.mcl == 256);
  CHECK(ns.max_source_ranges == 8);
  CHECK(ns.copy_usable);
  CHECK(ns.scsi == ScsiAdvertisement{64 * 4096, 512 * 1024 / 4096, 256 * 4096, 8});
}

TEST_CASE("device report: ONCS bit 8 clear -> Copy no, no SCSI copy limits, a problem line",
          "[translate][device_report]") {
  auto controller = qemu_controller();
  controller.oncs = 0x005D;
  IdentifyOnlyDevice device(controller, {{1, namespace_with(9, 128, 1024, 15)}});
  const DeviceReport report = make_device_report(device);
  CHECK_FALSE(report.controller.copy);
  REQUIRE(report.namespaces.size() == 1);
  CHECK_FALSE(report.namespaces[0].copy_usable);
  CHECK(report.namespaces[0].scsi.maximum_segment_length_bytes == 0);
  CHECK(report.namespaces[0].scsi.maximum_transfer_length_blocks == 1024);  // still reported
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].find("ONCS bit 8") != std::string::npos);
}

TEST_CASE("device report: MSSRL 0 refuses every copy -> not usable, problem names it, MDTS 0 "
          "= no transfer limit", "[translate][device_report]") {
  auto controller = qemu_controller();
  controller.mdts = 0;
  IdentifyOnlyDevice device(controller, {{1, namespace_with(9, 0, 1024, 15)},
                                         {2, namespace_with(9, 16, 32, 3)}});
  const DeviceReport report = make_device_report(device);
  CHECK(report.controller.max_transfer_bytes == 0);
  REQUIRE(report.namespaces.size() == 2);
  CHECK_FALSE(report.namespaces[0].copy_usable);
  CHECK(report.namespaces[1].copy_usable);
  CHECK(report.namespaces[1].scsi.maximum_transfer_length_blocks == 0);
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0] == "namespace 1: MSSRL or MCL is 0, so every Copy would be refused");
}

TEST_CASE("device report: undecodable Identify Namespace (LBADS 0) -> a problem, no namespace "
          "entry", "[translate][device_report]") {
  auto bad = namespace_with(9, 128, 1024, 15);
  bad.lbaf[1].lbads = 0;
  IdentifyOnlyDevice device(qemu_controller(), {{1, bad}});
  const DeviceReport report = make_device_report(device);
  CHECK(report.namespaces.empty());
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].find("namespace 1: Identify Namespace") == 0);
}

}  // namespace
}  // namespace xg::translate
