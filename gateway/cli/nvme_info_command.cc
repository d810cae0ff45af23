#include "gateway/cli/nvme_info_command.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>

namespace xg::cli {
namespace {

std::string bytes_text(std::uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  std::size_t unit = 0;
  std::uint64_t value = bytes;
  while (unit + 1 < std::size(kUnits) && value >= 1024 && value % 1024 == 0) {
    value /= 1024;
    ++unit;
  }
  return std::to_string(value) + " " + kUnits[unit];
}

std::string formats_text(const std::vector<std::uint8_t>& formats) {
  if (formats.empty()) return "none";
  std::string out;
  for (auto f : formats) out += (out.empty() ? "" : ", ") + std::to_string(f) + "h";
  return out;
}

void render_namespace(std::ostringstream& out, const translate::NamespaceReport& ns) {
  out << "  namespace " << ns.nsid << ":\n"
      << "    capacity            " << ns.capacity_blocks << " blocks ("
      << bytes_text(ns.capacity_bytes) << ")\n"
      << "    LBA format          #" << unsigned{ns.lba_format_index} << ": " << ns.lba_size
      << "-byte blocks, " << ns.metadata_size << " bytes metadata"
      << (ns.extended_metadata ? " (extended LBA)" : "") << ", PI "
      << (ns.pi_type == 0 ? std::string("none") : "type " + std::to_string(ns.pi_type)) << "\n"
      << "    Copy                " << (ns.copy_usable ? "yes" : "no") << "\n"
      << "    MSSRL               " << ns.mssrl << " blocks per source range\n"
      << "    MCL                 " << ns.mcl << " blocks per command\n"
      << "    MSRC                " << ns.max_source_ranges << " source ranges per command\n"
      << "    SCSI (provisional)  MAXIMUM SEGMENT LENGTH "
      << ns.scsi.maximum_segment_length_bytes << " bytes, MAXIMUM TRANSFER LENGTH "
      << ns.scsi.maximum_transfer_length_blocks << " blocks, ODX range descriptors "
      << ns.scsi.maximum_range_descriptors << ", bytes per NVMe Copy "
      << ns.scsi.maximum_copy_command_bytes << "\n";
}

nlohmann::json namespace_json(const translate::NamespaceReport& ns) {
  return {{"nsid", ns.nsid},
          {"capacity_blocks", ns.capacity_blocks},
          {"capacity_bytes", ns.capacity_bytes},
          {"lba_size", ns.lba_size},
          {"metadata_size", ns.metadata_size},
          {"extended_metadata", ns.extended_metadata},
          {"lba_format_index", ns.lba_format_index},
          {"pi_type", ns.pi_type},
          {"copy", ns.copy_usable},
          {"mssrl", ns.mssrl},
          {"mcl", ns.mcl},
          {"msrc", ns.max_source_ranges - 1},
          {"max_source_ranges", ns.max_source_ranges},
          {"scsi_provisional",
           {{"maximum_segment_length_bytes", ns.scsi.maximum_segment_length_bytes},
            {"maximum_transfer_length_blocks", ns.scsi.maximum_transfer_length_blocks},
            {"maximum_range_descriptors", ns.scsi.maximum_range_descriptors},
            {"maximum_copy_command_bytes", ns.scsi.maximum_copy_command_bytes}}}};
}

}  // namespace

void add_nvme_info_command(CLI::App& app, NvmeInfoOptions& options) {
  CLI::App* sub = app.add_subcommand(
      "nvme-info", "Show what NVMe devices support for copy offload (Copy, limits, formats)");
  sub->add_option("DEVICE", options.devices,
                  "/dev/ngXnY (Linux passthrough; several nodes of one controller may be "
                  "joined with commas) or emulated:DIR (the embedded emulated device)")
      ->required();
  sub->add_flag("--json", options.json, "Print JSON instead of text");
}

std::string render_nvme_info_text(const std::vector<NvmeInfoEntry>& entries) {
  std::ostringstream out;
  for (const auto& entry : entries) {
    if (!entry.error.empty()) {
      out << entry.spec << ": cannot open: " << entry.error << "\n";
      continue;
    }
    const auto& r = entry.report;
    const auto& c = r.controller;
    out << r.name << "\n"
        << "  model               " << c.model << "\n"
        << "  serial              " << c.serial << "\n"
        << "  firmware            " << c.firmware << "\n"
        << "  Copy                " << (c.copy ? "yes" : "no") << " (ONCS 0x" << std::hex
        << c.oncs << ", OCFS 0x" << c.ocfs << std::dec << ")\n"
        << "  descriptor formats  " << formats_text(c.copy_formats) << "\n"
        << "  cross-namespace     " << (c.cross_namespace_copy ? "yes" : "no") << "\n"
        << "  compare and write   " << (c.compare_and_write ? "yes (fused)" : "no") << "\n"
        << "  MDTS                " << unsigned{c.mdts} << " ("
        << (c.max_transfer_bytes == 0 ? std::string("no limit")
                                      : bytes_text(c.max_transfer_bytes) + " per command")
        << ", assuming 4 KiB CAP.MPSMIN)\n";
    if (c.host_max_transfer_bytes != 0) {
      out << "  host path limit     " << bytes_text(c.host_max_transfer_bytes)
          << " per command (kernel request queue: max_segments, max_hw_sectors_kb)\n";
    }
    for (const auto& ns : r.namespaces) render_namespace(out, ns);
    for (const auto& problem : r.problems) out << "  problem: " << problem << "\n";
  }
  return out.str();
}

std::string render_nvme_info_json(const std::vector<NvmeInfoEntry>& entries) {
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& entry : entries) {
    if (!entry.error.empty()) {
      devices.push_back({{"device", entry.spec}, {"error", entry.error}});
      continue;
    }
    const auto& c = entry.report.controller;
    nlohmann::json namespaces = nlohmann::json::array();
    for (const auto& ns : entry.report.namespaces) namespaces.push_back(namespace_json(ns));
    devices.push_back({{"device", entry.report.name},
                       {"model", c.model},
                       {"serial", c.serial},
                       {"firmware", c.firmware},
                       {"copy", c.copy},
                       {"oncs", c.oncs},
                       {"ocfs", c.ocfs},
                       {"copy_formats", c.copy_formats},
                       {"cross_namespace_copy", c.cross_namespace_copy},
                       {"compare_and_write", c.compare_and_write},
                       {"volatile_write_cache", c.volatile_write_cache},
                       {"mdts", c.mdts},
                       {"max_transfer_bytes", c.max_transfer_bytes},
                       {"host_max_transfer_bytes", c.host_max_transfer_bytes},
                       {"namespaces", namespaces},
                       {"problems", entry.report.problems}});
  }
  return devices.dump(2) + "\n";
}

int run_nvme_info(const NvmeInfoOptions& options, const std::vector<NvmeInfoEntry>& entries) {
  const std::string text =
      options.json ? render_nvme_info_json(entries) : render_nvme_info_text(entries);
  std::fputs(text.c_str(), stdout);
  int status = 0;
  for (const auto& entry : entries) {
    if (!entry.error.empty()) return 1;
    if (!entry.report.controller.copy) status = 3;
  }
  return status;
}

}  // namespace xg::cli
