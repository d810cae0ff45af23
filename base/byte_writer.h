// Appending writer for encoders: big-endian SCSI fields, little-endian NVMe fields,
// back-patching of length fields once the body is known (put_*_at).
//
// Encoders are total: they never fail. Offsets given to put_*_at must lie inside what
// was already written; that is an internal invariant (asserted), never driven by input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace xg::base {

class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(std::size_t reserve) { out_.reserve(reserve); }

  std::size_t size() const { return out_.size(); }
  const std::vector<std::uint8_t>& data() const { return out_; }
  std::vector<std::uint8_t> take() { return std::move(out_); }

  void u8(std::uint8_t v) { out_.push_back(v); }
  void be16(std::uint16_t v) { put_uint(v, 2, true); }
  void be24(std::uint32_t v) { put_uint(v, 3, true); }
  void be32(std::uint32_t v) { put_uint(v, 4, true); }
  void be48(std::uint64_t v) { put_uint(v, 6, true); }
  void be64(std::uint64_t v) { put_uint(v, 8, true); }
  void le16(std::uint16_t v) { put_uint(v, 2, false); }
  void le32(std::uint32_t v) { put_uint(v, 4, false); }
  void le64(std::uint64_t v) { put_uint(v, 8, false); }
  void zeros(std::size_t n) { out_.insert(out_.end(), n, 0); }
  void bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  // ASCII text, space-padded (or truncated) to exactly `width` bytes, as SCSI
  // identification fields are (SPC-4 4.3.1).
  void ascii_padded(std::string_view text, std::size_t width);
  // Zero bytes until size() is a multiple of `alignment`.
  void pad_to_multiple(std::size_t alignment);

  void put_u8_at(std::size_t at, std::uint8_t v);
  void put_be16_at(std::size_t at, std::uint16_t v);
  void put_be32_at(std::size_t at, std::uint32_t v);
  void put_le16_at(std::size_t at, std::uint16_t v);
  void put_le32_at(std::size_t at, std::uint32_t v);

 private:
  void put_uint(std::uint64_t v, std::size_t width, bool big_endian);
  void patch_uint(std::size_t at, std::uint64_t v, std::size_t width, bool big_endian);

  std::vector<std::uint8_t> out_;
};

}  // namespace xg::base
