// Bit fields of 32-bit command dwords, written like the spec tables ("CDW12 bits 11:8").
// Internal to nvme/: commands are built as native dwords and serialized byte-wise by
// submission_entry.cc, never by type punning.
#pragma once

#include <cstdint>

namespace xg::nvme::detail {

template <unsigned Hi, unsigned Lo>
constexpr std::uint32_t field_mask() {
  static_assert(Hi >= Lo && Hi < 32, "bit range inside one dword");
  return static_cast<std::uint32_t>(((std::uint64_t{1} << (Hi - Lo + 1)) - 1U) << Lo);
}

// Bits Hi..Lo of `dword`, shifted down.
template <unsigned Hi, unsigned Lo>
constexpr std::uint32_t get(std::uint32_t dword) {
  return (dword & field_mask<Hi, Lo>()) >> Lo;
}

// `value` placed at bits Hi..Lo; bits of `value` above the field width are dropped.
template <unsigned Hi, unsigned Lo>
constexpr std::uint32_t put(std::uint32_t value) {
  return (value << Lo) & field_mask<Hi, Lo>();
}

template <unsigned Hi, unsigned Lo>
constexpr std::uint8_t get8(std::uint32_t dword) {
  static_assert(Hi - Lo < 8, "field fits a byte");
  return static_cast<std::uint8_t>(get<Hi, Lo>(dword));
}

template <unsigned Hi, unsigned Lo>
constexpr std::uint16_t get16(std::uint32_t dword) {
  static_assert(Hi - Lo < 16, "field fits 16 bits");
  return static_cast<std::uint16_t>(get<Hi, Lo>(dword));
}

constexpr bool flag(std::uint32_t dword, unsigned n) { return ((dword >> n) & 1U) != 0; }
constexpr std::uint32_t flag_bit(bool set, unsigned n) { return set ? (1U << n) : 0U; }

constexpr std::uint32_t low32(std::uint64_t v) { return static_cast<std::uint32_t>(v); }
constexpr std::uint32_t high32(std::uint64_t v) { return static_cast<std::uint32_t>(v >> 32); }
constexpr std::uint64_t join64(std::uint32_t lo, std::uint32_t hi) {
  return (std::uint64_t{hi} << 32) | lo;
}

}  // namespace xg::nvme::detail
