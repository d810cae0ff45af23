// Renders a decoded JSON tree as indented "name: value" text for people.
#pragma once

#include <string>

#include "gateway/cli/decoders.h"

namespace xg::cli {

std::string render_text(const Json& tree);

}  // namespace xg::cli
