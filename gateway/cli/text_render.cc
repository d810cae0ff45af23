#include "gateway/cli/text_render.h"

namespace xg::cli {
namespace {

std::string scalar(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

bool is_scalar(const Json& v) { return !v.is_object() && !v.is_array(); }

void render(const Json& node, int depth, std::string& out) {
  const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      std::string name = key;
      for (char& c : name) {
        if (c == '_') c = ' ';
      }
      if (is_scalar(value)) {
        out += indent + name + ": " + scalar(value) + "\n";
      } else if (value.empty()) {
        out += indent + name + ": none\n";
      } else {
        out += indent + name + ":\n";
        render(value, depth + 1, out);
      }
    }
  } else if (node.is_array()) {
    std::size_t i = 0;
    for (const auto& value : node) {
      if (is_scalar(value)) {
        out += indent + "- " + scalar(value) + "\n";
      } else {
        out += indent + "[" + std::to_string(i) + "]\n";
        render(value, depth + 1, out);
      }
      ++i;
    }
  } else {
    out += indent + scalar(node) + "\n";
  }
}

}  // namespace

std::string render_text(const Json& tree) {
  std::string out;
  render(tree, 0, out);
  return out;
}

}  // namespace xg::cli
