#include "gateway/config/iscsi_name.h"

#include <cctype>

namespace xg::config {
namespace {

// RFC 7143 §4.2.7.1: at most 223 bytes in UTF-8.
constexpr std::size_t kMaxNameBytes = 223;

bool is_hex(std::string_view text) {
  for (char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

bool is_digits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return !text.empty();
}

// After stringprep (RFC 3722) an iSCSI name holds only lower-case letters, digits, '-',
// '.' and ':' in its ASCII range (RFC 7143 §4.2.7.2). Non-ASCII (UTF-8) is passed
// through: xgate does not implement nameprep, and initiators send names already prepared.
std::optional<std::string> character_error(std::string_view name) {
  for (char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80) continue;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == ':') {
      continue;
    }
    if (c >= 'A' && c <= 'Z') {
      return std::string("upper-case '") + c +
             "': iSCSI names are compared in lower case (RFC 3722); write it in lower case";
    }
    return std::string("character '") + c +
           "' is not allowed (only a-z, 0-9, '-', '.', ':' - RFC 7143 §4.2.7.2)";
  }
  return std::nullopt;
}

// iqn.YYYY-MM.<reversed domain>[:<unique>] (RFC 7143 §4.2.7.4).
std::optional<std::string> iqn_error(std::string_view name) {
  const std::string_view rest = name.substr(4);
  const std::string_view date = rest.substr(0, 7);
  if (date.size() < 7 || !is_digits(date.substr(0, 4)) || date[4] != '-' ||
      !is_digits(date.substr(5, 2))) {
    return "an iqn. name continues with the date YYYY-MM (RFC 7143 §4.2.7.4), e.g. "
           "iqn.2026-12.org.example:disk1";
  }
  const int month = (date[5] - '0') * 10 + (date[6] - '0');
  if (month < 1 || month > 12) {
    return "month " + std::string(date.substr(5, 2)) + " in the iqn. date is not 01..12";
  }
  if (rest.size() < 9 || rest[7] != '.') {
    return "an iqn. name needs '.' and a reversed domain name after the date "
           "(RFC 7143 §4.2.7.4), e.g. iqn.2026-12.org.example";
  }
  const std::string_view after_date = rest.substr(8);
  const std::string_view domain = after_date.substr(0, after_date.find(':'));
  if (domain.empty() || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return "the reversed domain name of an iqn. name is empty or has an empty label";
  }
  return character_error(name);
}

}  // namespace

std::optional<std::string> iscsi_name_error(std::string_view name) {
  if (name.empty()) return "an iSCSI name cannot be empty";
  if (name.size() > kMaxNameBytes) {
    return "an iSCSI name is at most 223 bytes (RFC 7143 §4.2.7.1), this one has " +
           std::to_string(name.size());
  }
  if (name.starts_with("iqn.")) return iqn_error(name);
  if (name.starts_with("eui.")) {
    const std::string_view digits = name.substr(4);
    if (digits.size() != 16 || !is_hex(digits)) {
      return "an eui. name is 'eui.' and 16 hexadecimal digits (RFC 7143 §4.2.7.5)";
    }
    return std::nullopt;
  }
  if (name.starts_with("naa.")) {
    const std::string_view digits = name.substr(4);
    if ((digits.size() != 16 && digits.size() != 32) || !is_hex(digits)) {
      return "an naa. name is 'naa.' and 16 or 32 hexadecimal digits (RFC 7143 §4.2.7.6)";
    }
    return std::nullopt;
  }
  return "an iSCSI name starts with iqn., eui. or naa. (RFC 7143 §4.2.7)";
}

std::string iscsi_name_key(std::string_view name) {
  std::string key(name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

}  // namespace xg::config
