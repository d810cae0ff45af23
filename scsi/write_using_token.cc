#include "scsi/write_using_token.h"

#include <cassert>
#include <string>

#include "base/bits.h"
#include "base/byte_reader.h"
#include "base/byte_writer.h"

namespace xg::scsi {

Result<WriteUsingTokenParams> decode_write_using_token(std::span<const std::uint8_t> params,
                                                       const RodTokenLimits& limits) {
  base::ByteReader r(params);
  if (!r.has(kWriteUsingTokenHeaderSize)) {
    return Sense::param_list_length_error().because(
        "WRITE USING TOKEN PARAMETER LIST LENGTH " + std::to_string(params.size()) +
        " cuts off the ROD token or the range list length");
  }
  const std::size_t at_data_length = r.offset();
  const std::uint16_t data_length = r.be16();
  if (data_length < kWriteUsingTokenMinDataLength) {
    return Sense::invalid_field_in_param_list(FieldRef::param(at_data_length))
        .because("WRITE USING TOKEN DATA LENGTH " + std::to_string(data_length) +
                 " is less than 226h");
  }
  WriteUsingTokenParams out;
  const std::uint8_t flags = r.u8();
  out.del_tkn = base::bit(flags, 1);
  out.immed = base::bit(flags, 0);
  r.skip(5);
  out.offset_into_rod = r.be64();
  auto token = decode_rod_token(r);
  if (!token) return std::move(token).error();
  out.rod_token = std::move(token).value();
  r.skip(6);
  const std::size_t list_end = std::size_t{data_length} + 2;
  auto ranges = decode_block_device_range_list(r, list_end, limits);
  if (!ranges) return std::move(ranges).error();
  out.ranges = std::move(ranges).value();
  return out;
}

std::vector<std::uint8_t> encode_write_using_token(const WriteUsingTokenParams& params) {
  const std::size_t size =
      kWriteUsingTokenHeaderSize + params.ranges.size() * kBlockDeviceRangeDescriptorSize;
  assert(size - 2 <= 0xFFFF);  // decoded lists always fit: their lengths are 16-bit fields
  base::ByteWriter w(size);
  w.be16(static_cast<std::uint16_t>(size - 2));
  w.u8(static_cast<std::uint8_t>((params.del_tkn ? 0x02 : 0x00) | (params.immed ? 0x01 : 0x00)));
  w.zeros(5);
  w.be64(params.offset_into_rod);
  encode_rod_token(params.rod_token, w);
  w.zeros(6);
  encode_block_device_range_list(params.ranges, w);
  assert(w.size() == size);
  return w.take();
}

}  // namespace xg::scsi
