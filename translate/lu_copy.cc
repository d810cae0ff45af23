// The NVMe LU's side of third-party copy: it describes itself to the target's copy
// manager (translate/copy_manager.h), hands it EXTENDED COPY and RECEIVE COPY RESULTS,
// and serves VPD 8Fh from the manager's limits (SPC-4 7.8.17).
#include "nvme/device.h"
#include "translate/copy_manager.h"
#include "translate/device_report.h"
#include "translate/nvme_lu.h"

namespace xg::translate::detail {

std::optional<CopyEndpoint> NvmeLu::copy_endpoint() const {
  const DeviceReport report = make_device_report(device_);
  CopyEndpoint e;
  e.device = &device_;
  e.nsid = nsid_;
  const Geometry g = geometry();
  e.block_size = g.block_size;
  e.blocks = g.blocks;
  e.designators = own_designators();
  e.plan.max_transfer_blocks = g.blocks_per_io;
  e.command_retry_delay_times = report.controller.command_retry_delay_times;
  for (const NamespaceReport& ns : report.namespaces) {
    if (ns.nsid != nsid_) continue;
    // NVMe Copy only where the controller has it and the limits are non-zero; otherwise
    // the planner uses the data mover (ONCS bit 8 and non-zero MSSRL/MCL gate it).
    e.plan.copy = ns.copy_usable;
    e.plan.mssrl = ns.mssrl;
    e.plan.mcl = ns.mcl;
    e.plan.max_ranges = ns.max_source_ranges;
    e.plan.cross_namespace = report.controller.cross_namespace_copy;
  }
  return e;
}

void NvmeLu::attach_copy_manager(std::shared_ptr<CopyManager> manager, std::uint64_t lun) {
  copy_manager_ = std::move(manager);
  copy_lun_ = lun;
}

void NvmeLu::third_party_copy(const ExchangePtr& x) {
  copy_manager_->execute(x->command, copy_lun_, x->descriptor_sense,
                         [x](ScsiResponse response) { x->reply(std::move(response)); });
}

std::vector<std::uint8_t> NvmeLu::third_party_copy_page() const {
  return scsi::encode_third_party_copy(copy_manager_->vpd_page(scsi::Peripheral{}));
}

}  // namespace xg::translate::detail
