// iSCSI node names (RFC 7143 §4.2.7): the three formats a target name may take.
//   iqn.YYYY-MM.reversed.domain[:anything]   §4.2.7.4, e.g. iqn.2026-12.org.xgate:default
//   eui.<16 hex digits>                      §4.2.7.5 (IEEE EUI-64)
//   naa.<16 or 32 hex digits>                §4.2.7.6 (RFC 3980, T11 NAA)
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xg::config {

// Why `name` is not a valid iSCSI name, or nullopt when it is.
std::optional<std::string> iscsi_name_error(std::string_view name);

// The form two names are compared in: iSCSI names are case-insensitive (RFC 7143 §4.2.7.2,
// RFC 3722 stringprep maps to lower case), so "eui.02004567A425678D" equals its lower case.
std::string iscsi_name_key(std::string_view name);

}  // namespace xg::config
