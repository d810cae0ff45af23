#include "gateway/cli/decode_command.h"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "base/hex.h"
#include "gateway/cli/decoders.h"
#include "gateway/cli/describe.h"
#include "gateway/cli/text_render.h"

namespace xg::cli {
namespace {

std::string kinds_help() {
  std::string out = "What the bytes are:\n";
  for (const auto& d : decoders()) {
    out += "  " + std::string(d.kind) + std::string(24 - std::min<std::size_t>(22, d.kind.size()), ' ') +
           std::string(d.summary) + "\n";
  }
  return out;
}

}  // namespace

void add_decode_command(CLI::App& app, DecodeOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "decode",
      "Decode a SCSI copy structure given as hex and explain it; on bad input, show the exact "
      "sense xgate would return and why.");
  cmd->add_option("kind", o.kind, "What the bytes are (see the list below)")->required();
  cmd->add_option("hex", o.hex,
                  "The bytes as hex (spaces, ':' and '//' comments allowed); default: --file or "
                  "stdin");
  cmd->add_option("-f,--file", o.file, "Read (annotated) hex from this file; '-' for stdin");
  cmd->add_option_function<std::string>(
         "--input-format",
         [&o](const std::string& v) {
           o.input_format = v == "hex"           ? InputFormat::kHex
                            : v == "offset-dump" ? InputFormat::kOffsetDump
                                                 : InputFormat::kAuto;
         },
         "auto (default): an sg3_utils offset dump if the text is one, else plain hex; hex: "
         "plain (annotated) hex only; offset-dump: 'sg_vpd -H' / 'sg_inq -H' lines (offset "
         "column, up to 16 bytes, ASCII column ignored)")
      ->check(CLI::IsMember({"auto", "hex", "offset-dump"}))
      ->type_name("FORMAT");
  cmd->add_flag("--json", o.json, "Print JSON instead of text");
  cmd->add_flag("--descriptor-sense", o.descriptor_sense,
                "Show refusals as descriptor-format sense (as for an LU with D_SENSE=1)");
  cmd->footer(kinds_help() +
              "\nExamples:\n"
              "  xgate decode xcopy --file examples/esxi-xcopy-lid1.hex\n"
              "  xgate decode sense 70 00 05 00 00 00 00 0a 00 00 00 00 26 00 00 80 00 02\n"
              "  sg_vpd -p 0x8f -H /dev/sdX | xgate decode vpd --json\n"
              "  sg_inq -H /dev/sdX | xgate decode inquiry\n"
              "\nInput: hex digits with spaces, ':' or '-' between bytes and // or # comments;\n"
              "or an sg3_utils dump (sg_vpd -H, sg_inq -H): a leading offset column and a\n"
              "trailing ASCII column are recognised and dropped, title lines skipped.\n"
              "Refusals use the limits xgate advertises (CopyManagerLimits and RodTokenLimits\n"
              "defaults: 16 CSCDs, 64 segments, block->block 02h and E4h CSCDs).\n"
              "\nExit status: 0 decoded, 2 refused (the sense is printed), 1 usage or I/O error.");
}

int run_decode(const DecodeOptions& o) {
  const DecoderEntry* entry = nullptr;
  for (const auto& d : decoders()) {
    if (d.kind == o.kind) entry = &d;
  }
  if (entry == nullptr) {
    std::cerr << "xgate decode: unknown kind '" << o.kind << "'\n" << kinds_help();
    return 1;
  }
  std::string error;
  auto text = read_input_text(o.hex, o.file, error);
  if (!text) {
    std::cerr << "xgate decode: " << error << "\n";
    return 1;
  }
  auto input = parse_input(*text, o.input_format, error);
  if (!input) {
    std::cerr << "xgate decode: " << error << "\n";
    return 1;
  }

  auto decoded = entry->decode(input->bytes);
  if (decoded) {
    if (o.json) {
      std::cout << decoded->dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    } else {
      std::cout << render_text(*decoded);
    }
    return 0;
  }

  const scsi::Sense& sense = decoded.error();
  const auto sense_bytes = scsi::encode_sense(sense, o.descriptor_sense);
  const bool xgate_answers = entry->direction == Direction::kReceivedByXgate;
  if (o.json) {
    Json j;
    j["refused"] = true;
    j["why"] = sense.why;
    if (xgate_answers) j["status"] = "CHECK CONDITION";
    j["sense"] = describe_sense(sense);
    j["sense_bytes"] = base::to_hex(sense_bytes);
    std::cout << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  } else {
    std::cout << "refused: " << (sense.why.empty() ? "invalid input" : sense.why) << "\n"
              << (xgate_answers ? "xgate would answer CHECK CONDITION with "
                                : "not valid response data; as sense: ")
              << scsi::describe(sense) << "\n"
              << "sense bytes (" << (o.descriptor_sense ? "descriptor" : "fixed")
              << " format): " << base::to_hex(sense_bytes) << "\n";
  }
  return 2;
}

}  // namespace xg::cli
