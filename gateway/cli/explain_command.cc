#include "gateway/cli/explain_command.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <variant>

#include "scsi/sense.h"
#include "scsi/xcopy_params.h"
#include "translate/copy_manager.h"
#include "translate/copy_plan.h"

namespace xg::cli {
void add_explain_command(CLI::App& app, ExplainOptions& o) {
  auto* cmd = app.add_subcommand(
      "explain",
      "Show how an EXTENDED COPY(LID1) parameter list would be executed: the NVMe Copy and\n"
      "data-mover commands, their ranges, and why each was cut where it was.");
  cmd->add_option("hex", o.hex, "the parameter list as hex (or use --file)");
  cmd->add_option("--file", o.file, "file of annotated hex (// and # comments); - = stdin");
  cmd->add_option("--mssrl", o.mssrl, "blocks per source range (Identify Namespace MSSRL)")
      ->check(CLI::Range(1U, 65535U));
  cmd->add_option("--mcl", o.mcl, "blocks per Copy command (MCL)")
      ->check(CLI::Range(1U, 0xFFFFFFFFU));
  cmd->add_option("--msrc", o.msrc, "source ranges per command, 0's based (MSRC)")
      ->check(CLI::Range(0U, 255U));
  cmd->add_option("--max-transfer-blocks", o.max_transfer_blocks,
                  "largest Read/Write of the data mover, blocks (MDTS)");
  cmd->add_flag("--no-copy", o.no_copy, "namespaces without NVMe Copy (data mover only)");
  cmd->add_flag("--cross-namespace", o.cross_namespace,
                "the controller copies across namespaces (Copy format 2h, TP4130)");
  cmd->add_flag("--separate-devices", o.separate_devices,
                "every namespace on its own controller (no Copy between them)");
  cmd->footer(
      "Each distinct CSCD designator stands for one namespace; segments naming the same\n"
      "designator stay in one namespace. Example:\n"
      "  xgate explain --file examples/esxi-xcopy-lid1.hex --cross-namespace");
}

int run_explain(const ExplainOptions& o) {
  std::string error;
  auto text = read_input_text(o.hex, o.file, error);
  if (!text) {
    std::cerr << "xgate explain: " << error << "\n";
    return 1;
  }
  auto input = parse_input(*text, InputFormat::kHex, error);
  if (!input) {
    std::cerr << "xgate explain: " << error << "\n";
    return 1;
  }
  auto list = scsi::decode_extended_copy(input->bytes, scsi::ListIdFormat::kLid1,
                                         translate::CopyManager().limits());
  if (!list) {
    std::cout << "refused before any data moves: " << scsi::describe(list.error()) << "\n";
    return 2;
  }
  // One namespace per distinct designator, in CSCD order.
  std::vector<translate::PlanNamespace> namespaces;
  std::vector<std::uint32_t> namespace_of_cscd;
  std::vector<scsi::Designator> seen;
  for (const auto& cscd : list->cscds) {
    const auto* id = std::get_if<scsi::IdentificationCscd>(&cscd.body);
    std::uint32_t index = static_cast<std::uint32_t>(seen.size());
    for (std::uint32_t i = 0; id != nullptr && i < seen.size(); ++i) {
      if (seen[i] == id->designator) index = i;
    }
    if (index == seen.size()) {
      seen.push_back(id != nullptr ? id->designator : scsi::Designator{});
      translate::PlanNamespace ns;
      ns.id = index;
      ns.nsid = index + 1;
      ns.controller = o.separate_devices ? index : 0;
      ns.copy = !o.no_copy;
      ns.cross_namespace = o.cross_namespace;
      ns.mssrl = o.mssrl;
      ns.mcl = o.mcl;
      ns.max_ranges = o.msrc + 1;
      ns.max_transfer_blocks = o.max_transfer_blocks;
      namespaces.push_back(ns);
    }
    namespace_of_cscd.push_back(index);
  }
  std::vector<translate::CopyExtent> extents;
  for (const auto& segment : list->segments) {
    const auto* b2b = std::get_if<scsi::BlockToBlock>(&segment.body);
    auto ns_of = [&](std::uint16_t id) -> std::optional<std::uint32_t> {
      if (id == 0xFFFF && !namespace_of_cscd.empty()) return namespace_of_cscd.front();
      if (id < namespace_of_cscd.size()) return namespace_of_cscd[id];
      return std::nullopt;
    };
    const auto src = ns_of(segment.source_cscd_descriptor_id);
    const auto dst = ns_of(segment.destination_cscd_descriptor_id);
    if (b2b == nullptr || !src || !dst) {
      std::cout << "segment " << segment.index
                << ": names a CSCD the list does not have -> COPY ABORTED 0D/02 at this "
                   "segment; the plan stops before it\n";
      break;
    }
    extents.push_back({segment.index, *src, b2b->source_block_device_logical_block_address, *dst,
                       b2b->destination_block_device_logical_block_address,
                       b2b->block_device_number_of_blocks});
  }
  std::cout << list->cscds.size() << " CSCD(s) -> " << namespaces.size() << " namespace(s); "
            << list->segments.size() << " segment(s); limits MSSRL " << o.mssrl << ", MCL " << o.mcl
            << ", MSRC+1 " << o.msrc + 1 << (o.no_copy ? ", no NVMe Copy" : "")
            << (o.cross_namespace ? ", cross-namespace Copy" : "") << "\n"
            << "('|' marks a step that waits for every earlier step)\n";
  const translate::CopyPlan plan = translate::plan_copy(extents, namespaces);
  std::cout << translate::describe(plan, namespaces);
  return 0;
}

}  // namespace xg::cli
