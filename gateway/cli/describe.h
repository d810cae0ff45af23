// Decoded structures as JSON trees, one function per structure family. Each takes the raw
// bytes, runs the project's own decoder (the same code the target runs), and describes
// the result.
#pragma once

#include <cstdint>
#include <span>

#include "gateway/cli/decoders.h"
#include "scsi/designator.h"
#include "scsi/sense.h"

namespace xg::cli {

Json describe_sense(const scsi::Sense& sense);
Json describe_designator(const scsi::Designator& designator);
scsi::Result<Json> describe_sense_bytes(std::span<const std::uint8_t> bytes);

scsi::Result<Json> describe_xcopy_lid1(std::span<const std::uint8_t> bytes);
scsi::Result<Json> describe_xcopy_lid4(std::span<const std::uint8_t> bytes);

}  // namespace xg::cli
