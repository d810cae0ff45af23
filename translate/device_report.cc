#include "translate/device_report.h"

#include "nvme/device.h"
#include "nvme/identify.h"

namespace xg::translate {
namespace {

ControllerReport controller_report(const nvme::IdentifyController& id) {
  ControllerReport out;
  out.model = id.mn;
  out.serial = id.sn;
  out.firmware = id.fr;
  out.mdts = id.mdts;
  // MDTS 0 = no limit; otherwise 2^MDTS pages of CAP.MPSMIN (assumed 4 KiB).
  out.max_transfer_bytes =
      id.mdts == 0 || id.mdts > 40 ? 0 : (std::uint64_t{kAssumedMinimumPageSize} << id.mdts);
  out.oncs = id.oncs;
  out.ocfs = id.ocfs;
  out.copy = id.supports_copy();
  for (std::uint8_t format = 0; format < 16; ++format) {
    if (id.supports_copy_format(format)) out.copy_formats.push_back(format);
  }
  out.cross_namespace_copy = id.supports_cross_namespace_copy();
  out.compare_and_write = id.supports_compare_and_write();
  out.volatile_write_cache = id.volatile_write_cache();
  out.command_retry_delay_times = {id.crdt1, id.crdt2, id.crdt3};
  return out;
}

NamespaceReport namespace_report(std::uint32_t nsid, const nvme::IdentifyNamespace& id,
                                 const ControllerReport& controller) {
  NamespaceReport out;
  out.nsid = nsid;
  out.capacity_blocks = id.nsze;
  out.lba_size = id.logical_block_size();
  out.capacity_bytes = id.nsze * out.lba_size;
  out.metadata_size = id.current_lba_format().ms;
  out.extended_metadata = id.extended_metadata();
  out.lba_format_index = id.lba_format_index();
  out.pi_type = id.pi_type();
  out.mssrl = id.mssrl;
  out.mcl = id.mcl;
  out.max_source_ranges = std::uint32_t{id.msrc} + 1;
  out.copy_usable = controller.copy && id.mssrl != 0 && id.mcl != 0;
  if (out.copy_usable) {
    out.scsi.maximum_segment_length_bytes = std::uint64_t{id.mssrl} * out.lba_size;
    out.scsi.maximum_copy_command_bytes = std::uint64_t{id.mcl} * out.lba_size;
    out.scsi.maximum_range_descriptors = out.max_source_ranges;
  }
  out.scsi.maximum_transfer_length_blocks = controller.max_transfer_bytes / out.lba_size;
  return out;
}

}  // namespace

DeviceReport make_device_report(const nvme::Device& device) {
  DeviceReport report;
  report.name = device.name();
  auto controller = nvme::decode_identify_controller(device.identify_controller());
  if (!controller) {
    report.problems.push_back("Identify Controller: " + controller.error().why);
    return report;
  }
  report.controller = controller_report(controller.value());
  report.controller.host_max_transfer_bytes = device.max_host_transfer_bytes();
  if (!report.controller.copy) {
    report.problems.push_back("the controller does not support Copy (ONCS bit 8 clear): "
                              "xgate cannot offload copies to this device");
  }
  for (const std::uint32_t nsid : device.namespace_ids()) {
    auto ns = nvme::decode_identify_namespace(device.identify_namespace(nsid));
    if (!ns) {
      report.problems.push_back("namespace " + std::to_string(nsid) +
                                ": Identify Namespace: " + ns.error().why);
      continue;
    }
    report.namespaces.push_back(namespace_report(nsid, ns.value(), report.controller));
    if (report.controller.copy && !report.namespaces.back().copy_usable) {
      report.problems.push_back("namespace " + std::to_string(nsid) +
                                ": MSSRL or MCL is 0, so every Copy would be refused");
    }
  }
  return report;
}

}  // namespace xg::translate
