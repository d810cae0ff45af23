#include "gateway/iscsi/pdu_writer.h"

#include <cassert>

#include "gateway/iscsi/digest.h"

namespace xg::iscsi {

void write_pdu(const Bhs& bhs, const Ahs& ahs, std::span<const std::uint8_t> data,
               DigestSettings digests, base::ByteWriter& out) {
  const std::size_t ahs_length = encoded_ahs_length(ahs);
  assert(ahs_length <= kMaxAhsLength && ahs_length % 4 == 0);
  assert(data.size() <= kMaxDataSegmentLength);
  Bhs header = bhs;
  header.total_ahs_length = static_cast<std::uint8_t>(ahs_length / 4);
  header.data_segment_length = static_cast<std::uint32_t>(data.size());

  const std::size_t start = out.size();
  encode_bhs(header, out);
  encode_ahs(ahs, out);
  if (digests.header) {
    const auto covered = std::span(out.data()).subspan(start, kBhsLength + ahs_length);
    out.bytes(digest_bytes(crc32c(covered)));
  }
  if (data.empty()) return;
  const std::size_t data_start = out.size();
  out.bytes(data);
  out.zeros((4 - data.size() % 4) % 4);  // padding is part of the data digest
  if (digests.data) {
    const auto covered = std::span(out.data()).subspan(data_start, out.size() - data_start);
    out.bytes(digest_bytes(crc32c(covered)));
  }
}

std::vector<std::uint8_t> write_pdu(const Bhs& bhs, const Ahs& ahs,
                                    std::span<const std::uint8_t> data,
                                    DigestSettings digests) {
  base::ByteWriter out(kBhsLength + encoded_ahs_length(ahs) + data.size() + 12);
  write_pdu(bhs, ahs, data, digests, out);
  return out.take();
}

}  // namespace xg::iscsi
