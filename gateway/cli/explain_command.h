// `xgate explain`: reads an EXTENDED COPY(LID1) parameter list as hex and prints the plan
// the copy manager would execute for it (translate/copy_plan.h): each NVMe command, its
// ranges, and why it was cut there. Without a target to resolve CSCDs against, each
// distinct CSCD designator stands for one namespace with the limits given on the command
// line (QEMU's defaults: MSSRL 128, MCL 1024, MSRC 15).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gateway/cli/hex_input.h"

namespace CLI {
class App;
}

namespace xg::cli {

struct ExplainOptions {
  std::vector<std::string> hex;
  std::string file;  // "-" = stdin
  std::uint32_t mssrl = 128;
  std::uint32_t mcl = 1024;
  std::uint32_t msrc = 15;  // 0's based, as Identify Namespace reports it
  std::uint32_t max_transfer_blocks = 1024;
  bool no_copy = false;          // the namespaces lack NVMe Copy: everything via the mover
  bool cross_namespace = false;  // TP4130 format 2h between the namespaces
  bool separate_devices = false;  // each namespace on its own controller
};

void add_explain_command(CLI::App& app, ExplainOptions& options);

// Exit status: 0 planned, 2 the list was refused (sense printed), 1 usage or I/O error.
int run_explain(const ExplainOptions& options);

}  // namespace xg::cli
