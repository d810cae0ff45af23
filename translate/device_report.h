// What an NVMe device offers the gateway, read from its Identify data only (no I/O), for
// `xgate nvme-info` and start-up logs. A pure function of nvme::Device's identify data.
//
// Sources: Identify Controller (NVMe Base 2.0) MN/SN/FR, MDTS (byte 77),
// ONCS (521:520; bit 8 Copy), FUSES (523:522), OCFS (535:534; bit n = descriptor format
// n, bits 2/3 = cross-namespace formats, TP4130); Identify Namespace (NVM Command Set 1.0)
// NSZE, FLBAS/LBAF (size, metadata), DPS (PI type), MSSRL (75:74, 1-based),
// MCL (79:76, 1-based), MSRC (80, 0's based).
//
// ScsiAdvertisement is PROVISIONAL: the limits translate/ will put in the SCSI copy
// manager's responses once the planner exists (it may split or merge differently, which
// would change these numbers). Today: one EXTENDED COPY block->block segment or one ODX
// range is sent as one NVMe source range, so
//   MAXIMUM SEGMENT LENGTH (RECEIVE COPY OPERATING PARAMETERS, bytes) = MSSRL x LBA size
//   MAXIMUM TRANSFER LENGTH (VPD B0h, blocks)   = MDTS bytes / LBA size (0 = no limit)
//   maximum bytes per NVMe Copy command          = MCL x LBA size
//   ODX MAXIMUM RANGE DESCRIPTORS (VPD 8Fh 0000h) = MSRC + 1
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace xg::nvme {
class Device;
}

namespace xg::translate {

// MDTS is in units of CAP.MPSMIN, a controller register that passthrough cannot read; the
// report assumes the common 4 KiB (MPSMIN 0).
inline constexpr std::uint32_t kAssumedMinimumPageSize = 4096;

struct ScsiAdvertisement {  // provisional, see above
  std::uint64_t maximum_segment_length_bytes = 0;
  std::uint64_t maximum_transfer_length_blocks = 0;
  std::uint64_t maximum_copy_command_bytes = 0;
  std::uint32_t maximum_range_descriptors = 0;
  friend bool operator==(const ScsiAdvertisement&, const ScsiAdvertisement&) = default;
};

struct NamespaceReport {
  std::uint32_t nsid = 0;
  std::uint64_t capacity_blocks = 0;  // NSZE
  std::uint64_t capacity_bytes = 0;
  std::uint32_t lba_size = 0;
  std::uint16_t metadata_size = 0;
  bool extended_metadata = false;     // FLBAS bit 4
  std::uint8_t lba_format_index = 0;
  std::uint8_t pi_type = 0;           // DPS 2:0; 0 = no protection information
  std::uint16_t mssrl = 0;            // blocks per source range
  std::uint32_t mcl = 0;              // blocks per Copy command
  std::uint32_t max_source_ranges = 0;  // MSRC + 1
  bool copy_usable = false;           // ONCS bit 8 and non-zero MSSRL/MCL
  ScsiAdvertisement scsi;
  friend bool operator==(const NamespaceReport&, const NamespaceReport&) = default;
};

struct ControllerReport {
  std::string model;
  std::string serial;
  std::string firmware;
  std::uint8_t mdts = 0;
  std::uint64_t max_transfer_bytes = 0;  // 2^MDTS x 4 KiB; 0 = no limit
  // The host path's own per-command limit (nvme::Device::max_host_transfer_bytes); 0 = none.
  std::uint64_t host_max_transfer_bytes = 0;
  std::uint16_t oncs = 0;
  std::uint16_t ocfs = 0;
  bool copy = false;                         // ONCS bit 8
  std::vector<std::uint8_t> copy_formats;    // descriptor formats from OCFS, ascending
  bool cross_namespace_copy = false;         // OCFS bit 2 or 3
  bool compare_and_write = false;            // FUSES bit 0
  bool volatile_write_cache = false;
  // CRDT1-3 (Identify Controller 133:128, 100 ms units): the delays a status's CRD asks for.
  std::array<std::uint16_t, 3> command_retry_delay_times{};
  friend bool operator==(const ControllerReport&, const ControllerReport&) = default;
};

struct DeviceReport {
  std::string name;
  ControllerReport controller;
  std::vector<NamespaceReport> namespaces;  // ascending NSID
  std::vector<std::string> problems;        // undecodable identify data, Copy missing
  friend bool operator==(const DeviceReport&, const DeviceReport&) = default;
};

DeviceReport make_device_report(const nvme::Device& device);

}  // namespace xg::translate
