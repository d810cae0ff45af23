// Flag and field extraction that reads like the spec tables ("byte 1 b4:3").
#pragma once

#include <cstdint>

namespace xg::base {

constexpr bool bit(std::uint8_t byte, unsigned n) { return ((unsigned{byte} >> n) & 1U) != 0; }

// Bits Hi..Lo of `byte`, shifted down: bits<4, 3>(b) is the two-bit field b4:3.
template <unsigned Hi, unsigned Lo>
constexpr std::uint8_t bits(std::uint8_t byte) {
  static_assert(Hi >= Lo && Hi < 8, "bit range inside one byte");
  return static_cast<std::uint8_t>((unsigned{byte} >> Lo) & ((1U << (Hi - Lo + 1)) - 1U));
}

// The mask of bits Hi..Lo, for "reserved bits must be zero" checks.
template <unsigned Hi, unsigned Lo>
constexpr std::uint8_t mask() {
  static_assert(Hi >= Lo && Hi < 8, "bit range inside one byte");
  return static_cast<std::uint8_t>(((1U << (Hi - Lo + 1)) - 1U) << Lo);
}

// Highest set bit of a non-zero mask (where a field pointer's BIT POINTER should aim).
constexpr std::uint8_t highest_bit(std::uint8_t m) {
  std::uint8_t b = 7;
  while (b > 0 && !bit(m, b)) --b;
  return b;
}

}  // namespace xg::base
