#include <string>

#include "base/hex.h"
#include "gateway/cli/describe.h"

namespace xg::cli {
namespace {

std::string_view designator_type_name(scsi::DesignatorType type) {
  switch (type) {
    case scsi::DesignatorType::kVendorSpecific: return "vendor specific";
    case scsi::DesignatorType::kT10VendorId: return "T10 vendor ID";
    case scsi::DesignatorType::kEui64: return "EUI-64";
    case scsi::DesignatorType::kNaa: return "NAA";
    case scsi::DesignatorType::kRelativeTargetPort: return "relative target port";
    case scsi::DesignatorType::kTargetPortGroup: return "target port group";
    case scsi::DesignatorType::kLogicalUnitGroup: return "logical unit group";
    case scsi::DesignatorType::kMd5LogicalUnit: return "MD5 logical unit identifier";
    case scsi::DesignatorType::kScsiNameString: return "SCSI name string";
    case scsi::DesignatorType::kProtocolSpecificPort: return "protocol specific port";
    case scsi::DesignatorType::kUuid: return "UUID";
  }
  return "reserved";
}

std::string_view association_name(scsi::Association a) {
  switch (a) {
    case scsi::Association::kLogicalUnit: return "logical unit";
    case scsi::Association::kTargetPort: return "target port";
    case scsi::Association::kTargetDevice: return "target device";
  }
  return "reserved";
}

}  // namespace

Json describe_designator(const scsi::Designator& d) {
  Json j;
  j["designator_type"] = std::string(designator_type_name(d.type));
  j["association"] = std::string(association_name(d.association));
  j["code_set"] = d.code_set == scsi::CodeSet::kBinary  ? "binary"
                  : d.code_set == scsi::CodeSet::kAscii ? "ASCII"
                                                        : "UTF-8";
  if (d.piv) j["protocol_identifier"] = hex_code(d.protocol_identifier, 1);
  j["designator_length"] = d.value.size();
  if (d.code_set == scsi::CodeSet::kBinary) {
    j["designator"] = base::to_hex(d.value);
  } else {
    std::string text;
    for (std::uint8_t c : d.value) {
      if (c == 0) break;
      text.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '.');
    }
    j["designator"] = text;
  }
  return j;
}

}  // namespace xg::cli
