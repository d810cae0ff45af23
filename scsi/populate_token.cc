#include "scsi/populate_token.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "base/bits.h"
#include "base/byte_reader.h"
#include "base/byte_writer.h"

namespace xg::scsi {

Result<PopulateTokenParams> decode_populate_token(std::span<const std::uint8_t> params,
                                                  const RodTokenLimits& limits,
                                                  std::span<const std::uint32_t> accepted_rod_types) {
  base::ByteReader r(params);
  if (!r.has(kPopulateTokenHeaderSize)) {
    return Sense::param_list_length_error().because(
        "POPULATE TOKEN PARAMETER LIST LENGTH " + std::to_string(params.size()) +
        " is less than 16");
  }
  const std::size_t at_data_length = r.offset();
  const std::uint16_t data_length = r.be16();
  if (data_length < kPopulateTokenMinDataLength) {
    return Sense::invalid_field_in_param_list(FieldRef::param(at_data_length))
        .because("POPULATE TOKEN DATA LENGTH " + std::to_string(data_length) +
                 " is less than 1Eh");
  }
  PopulateTokenParams out;
  const std::uint8_t flags = r.u8();
  out.rtv = base::bit(flags, 1);
  out.immed = base::bit(flags, 0);
  r.skip(1);
  const std::size_t at_timeout = r.offset();
  out.inactivity_timeout = r.be32();
  if (out.inactivity_timeout > limits.max_inactivity_timeout_s) {
    return Sense::invalid_field_in_param_list(FieldRef::param(at_timeout))
        .because("INACTIVITY TIMEOUT " + std::to_string(out.inactivity_timeout) +
                 " s exceeds MAXIMUM INACTIVITY TIMEOUT " +
                 std::to_string(limits.max_inactivity_timeout_s) + " s");
  }
  const std::size_t at_rod_type = r.offset();
  out.rod_type = r.be32();
  const bool accepted = std::find(accepted_rod_types.begin(), accepted_rod_types.end(),
                                  out.rod_type) != accepted_rod_types.end();
  if (out.rtv && !accepted) {
    return Sense::invalid_field_in_param_list(FieldRef::param(at_rod_type))
        .because("ROD TYPE not created by this copy manager");
  }
  r.skip(2);
  const std::size_t list_end = std::size_t{data_length} + 2;
  auto ranges = decode_block_device_range_list(r, list_end, limits);
  if (!ranges) return std::move(ranges).error();
  out.ranges = std::move(ranges).value();
  return out;
}

std::vector<std::uint8_t> encode_populate_token(const PopulateTokenParams& params) {
  const std::size_t size =
      kPopulateTokenHeaderSize + params.ranges.size() * kBlockDeviceRangeDescriptorSize;
  assert(size - 2 <= 0xFFFF);  // decoded lists always fit: their lengths are 16-bit fields
  base::ByteWriter w(size);
  w.be16(static_cast<std::uint16_t>(size - 2));
  w.u8(static_cast<std::uint8_t>((params.rtv ? 0x02 : 0x00) | (params.immed ? 0x01 : 0x00)));
  w.u8(0);
  w.be32(params.inactivity_timeout);
  w.be32(params.rod_type);
  w.zeros(2);
  encode_block_device_range_list(params.ranges, w);
  assert(w.size() == size);
  return w.take();
}

}  // namespace xg::scsi
