// Helpers for byte-exact test vectors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scsi/sense.h"

namespace xg::test {

using Bytes = std::vector<std::uint8_t>;

// Annotated hex ("01  // LIST IDENTIFIER") to bytes; a malformed vector is a test bug and
// fails the running test loudly.
Bytes hex(std::string_view annotated);

// Space-separated upper-case hex, for readable Catch2 failure messages.
std::string show(const Bytes& bytes);

// Mutations in the style of LevelDB's log_test: each returns a changed copy.
Bytes with_byte(Bytes bytes, std::size_t at, std::uint8_t value);
Bytes truncated(Bytes bytes, std::size_t size);
Bytes concat(std::initializer_list<Bytes> parts);

// Fixed-format encoding of a sense, as hex, for comparing against expected vectors.
std::string fixed_sense_hex(const scsi::Sense& sense);

}  // namespace xg::test
