// Serialises one iSCSI PDU (RFC 7143 11.1, "iSCSI PDU Length and Padding"):
//   BHS (48) | AHS (TotalAHSLength*4) | HeaderDigest (4)? | data segment | pad to 4 |
//   DataDigest (4, only when the data segment is not empty)?
// The mirror of PduReader: reading what write_pdu produced gives the same Pdu back.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/byte_writer.h"
#include "gateway/iscsi/bhs.h"

namespace xg::iscsi {

// Which digests are in force on the connection (negotiated HeaderDigest/DataDigest =
// CRC32C; both off until the login completes).
struct DigestSettings {
  bool header = false;
  bool data = false;
  friend bool operator==(const DigestSettings&, const DigestSettings&) = default;
};

// Appends the PDU. TotalAHSLength and DataSegmentLength in `bhs` are ignored and written
// from `ahs` and `data`. Preconditions (asserted): the AHS fits kMaxAhsLength and the
// data segment kMaxDataSegmentLength; both are internal invariants of the caller.
void write_pdu(const Bhs& bhs, const Ahs& ahs, std::span<const std::uint8_t> data,
               DigestSettings digests, base::ByteWriter& out);
std::vector<std::uint8_t> write_pdu(const Bhs& bhs, const Ahs& ahs,
                                    std::span<const std::uint8_t> data,
                                    DigestSettings digests = {});

}  // namespace xg::iscsi
