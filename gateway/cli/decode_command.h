// `xgate decode`: reads a SCSI third-party-copy structure as hex (argument, file or
// stdin) and prints it as readable text or JSON. On bad input it prints the exact sense
// the target would return (key, ASC/ASCQ, field pointer, the sense bytes) and why.
#pragma once

#include <string>
#include <vector>

#include "gateway/cli/hex_input.h"

namespace CLI {
class App;
}

namespace xg::cli {

struct DecodeOptions {
  std::string kind;               // what the bytes are (see `xgate decode --help`)
  std::vector<std::string> hex;   // hex given on the command line
  std::string file;               // or a file of (annotated) hex; "-" = stdin
  InputFormat input_format = InputFormat::kAuto;  // plain hex or an sg3_utils offset dump
  bool json = false;
  bool descriptor_sense = false;  // show refusals as descriptor-format sense (D_SENSE=1)
};

void add_decode_command(CLI::App& app, DecodeOptions& options);

// Exit status: 0 decoded, 2 the input was refused (sense printed), 1 usage or I/O error.
int run_decode(const DecodeOptions& options);

}  // namespace xg::cli
