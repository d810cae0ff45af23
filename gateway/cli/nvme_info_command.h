// `xgate nvme-info DEVICE...`: what each NVMe device supports for copy offload (Copy,
// descriptor formats, MSSRL/MCL/MSRC, LBA format, capacity, MDTS, identity) and the SCSI
// limits xgate would advertise from it (provisional, translate/device_report.h), as text
// or JSON. Opening devices is main.cc's job (the only gateway file that sees nvme/); this
// file renders translate::DeviceReport values.
#pragma once

#include <string>
#include <vector>

#include "translate/device_report.h"

namespace CLI {
class App;
}

namespace xg::cli {

struct NvmeInfoOptions {
  std::vector<std::string> devices;  // "/dev/ngXnY" or "emulated:DIR"
  bool json = false;
};

void add_nvme_info_command(CLI::App& app, NvmeInfoOptions& options);

// One entry per requested device: a report, or why it could not be opened.
struct NvmeInfoEntry {
  std::string spec;
  std::string error;  // empty when `report` is valid
  translate::DeviceReport report;
};

std::string render_nvme_info_text(const std::vector<NvmeInfoEntry>& entries);
std::string render_nvme_info_json(const std::vector<NvmeInfoEntry>& entries);

// Prints the entries; exit status 0 when every device opened and supports Copy, 3 when one
// opened but cannot offload copies, 1 when one could not be opened.
int run_nvme_info(const NvmeInfoOptions& options, const std::vector<NvmeInfoEntry>& entries);

}  // namespace xg::cli
