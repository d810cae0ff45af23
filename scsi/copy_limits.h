// What the copy manager advertises and enforces. One struct feeds three outputs that must
// agree (SPC-4 6.23, 7.8.17): RECEIVE COPY OPERATING PARAMETERS (84h/03h), VPD 8Fh
// descriptors 0004h Parameter Data / 0008h Supported Descriptors / 8001h General Copy
// Operations, and the EXTENDED COPY parameter-list validation. ROD token limits feed VPD
// 8Fh 0000h/0106h/0108h and POPULATE TOKEN / WRITE USING TOKEN validation.
//
// scsi/ holds only these plain values; translate/ derives them from the NVMe namespaces'
// limits (MSSRL, MCL, MSRC) so scsi/ stays ignorant of NVMe.
#pragma once

#include <cstdint>
#include <vector>

namespace xg::scsi {

struct CopyManagerLimits {
  bool snlid = true;                      // LIST ID USAGE 11b (no list ID) accepted
  std::uint16_t max_cscd_descriptors = 16;
  std::uint16_t max_segment_descriptors = 64;
  // CSCD list + segment list bytes. Must be >= (max CSCD + 1) * 32 + (max segments + 1) *
  // 32 so that one too many of either is reported as a count error, not a length error
  // (libiscsi iscsi-test-cu SCSI.ExtendedCopy.DescrLimits sends one too many of each and
  // expects 26/06 or 26/08).
  std::uint32_t max_descriptor_list_length = (16 + 1) * 32 + (64 + 1) * 32;
  std::uint32_t max_segment_length = 256u << 20;  // bytes one segment may move; 0 = no limit
  std::uint32_t max_inline_data_length = 0;       // no inline data (no client sends it)
  std::uint32_t held_data_limit = 0;              // no held data
  std::uint32_t max_stream_device_transfer_size = 0;
  std::uint16_t total_concurrent_copies = 255;
  std::uint8_t max_concurrent_copies = 255;
  std::uint8_t data_segment_granularity_log2 = 9;  // log2 of the logical block size
  std::uint8_t inline_data_granularity_log2 = 0;
  std::uint8_t held_data_granularity_log2 = 0;
  // Segment and CSCD descriptor type codes implemented, ascending (e.g. 02h, E4h).
  // EXTENDED COPY validation refuses every other code with 26/09 or 26/07.
  std::vector<std::uint8_t> implemented_descriptor_types = {0x02, 0xE4};

  friend bool operator==(const CopyManagerLimits&, const CopyManagerLimits&) = default;
};

struct RodTokenLimits {
  std::uint16_t max_range_descriptors = 64;       // per POPULATE TOKEN / WRITE USING TOKEN
  std::uint32_t max_inactivity_timeout_s = 600;
  std::uint32_t default_inactivity_timeout_s = 60;
  std::uint64_t max_token_transfer_size_blocks = 0;  // 0 = not reported
  std::uint64_t optimal_transfer_count_blocks = 0;   // 0 = not reported (Windows: 64 MiB)
  std::uint32_t min_token_lifetime_s = 1;
  std::uint32_t max_token_lifetime_s = 0xFFFFFFFF;
  std::uint16_t optimal_block_rod_length_granularity = 0;
  std::uint64_t max_bytes_in_block_rod = 0;              // 0 = not reported, all FFh = none
  std::uint64_t optimal_bytes_in_block_rod_transfer = 0;
  std::uint64_t optimal_bytes_to_token_per_segment = 0;
  std::uint64_t optimal_bytes_from_token_per_segment = 0;

  friend bool operator==(const RodTokenLimits&, const RodTokenLimits&) = default;
};

}  // namespace xg::scsi
