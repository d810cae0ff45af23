// xgate: the program. The composition root: it parses the command line and hands each
// subcommand its options. (When the target lands, this is also the only place that
// chooses an emulated or a real NVMe device.)
#include <CLI/CLI.hpp>

#include "gateway/cli/decode_command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "xgate: an iSCSI target that gives NVMe storage SCSI copy offload.\n"
      "EXTENDED COPY (VMware VAAI, QEMU, sg_xcopy, ddpt) and ODX token copies (Windows)\n"
      "are executed as NVMe Copy commands on the backing namespaces.",
      "xgate"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "xgate 0.1.0");

  xg::cli::DecodeOptions decode_options;
  xg::cli::add_decode_command(app, decode_options);

  CLI11_PARSE(app, argc, argv);
  if (app.got_subcommand("decode")) return xg::cli::run_decode(decode_options);
  return 0;
}
