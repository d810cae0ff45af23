// The error type of nvme/ decoders and builders.
//
// ParseError says where and why: `offset` is the absolute byte offset of the offending
// field in the buffer being decoded (Identify data, an SQE, a descriptor list) or, for a
// builder that refuses a request, the SQE/buffer byte where the refused field would go.
// For a buffer that is too short it is the buffer's size (the first missing byte).
// `why` is for logs and tests only.
//
// NVMe completion status is a different thing: nvme::Status (status.h).
#pragma once

#include <cstddef>
#include <string>

#include "base/result.h"

namespace xg::nvme {

struct ParseError {
  std::size_t offset = 0;
  std::string why;
  friend bool operator==(const ParseError&, const ParseError&) = default;
};

template <class T>
using ParseResult = base::Result<T, ParseError>;

}  // namespace xg::nvme
