#include "gateway/cli/decoders.h"

#include <cstdio>

#include "gateway/cli/describe.h"

namespace xg::cli {

std::string hex_code(std::uint64_t value, int digits) {
  char out[32];
  std::snprintf(out, sizeof out, "%0*llXh", digits, static_cast<unsigned long long>(value));
  return out;
}

const std::vector<DecoderEntry>& decoders() {
  constexpr Direction kResponse = Direction::kSentByTarget;
  static const std::vector<DecoderEntry> table = {
      {"xcopy", "EXTENDED COPY(LID1) parameter list (83h/00h)", describe_xcopy_lid1},
      {"xcopy-lid4", "EXTENDED COPY(LID4) parameter list (83h/01h)", describe_xcopy_lid4},
      {"sense", "sense data, fixed (70h/71h) or descriptor (72h/73h) format", describe_sense_bytes},
      {"cdb", "a 16-byte THIRD-PARTY COPY OUT (83h) or IN (84h) CDB",
       describe_third_party_copy_cdb},
      {"populate-token", "POPULATE TOKEN parameter list (83h/10h)", describe_populate_token},
      {"write-using-token", "WRITE USING TOKEN parameter list (83h/11h)",
       describe_write_using_token},
      {"rod-token", "a 512-byte ROD token (as in WRITE USING TOKEN and RRTI)", describe_rod_token},
      {"inquiry", "standard INQUIRY data (12h, EVPD=0)", describe_standard_inquiry, kResponse},
      {"vpd", "a VPD page: 00h, 80h, 83h, 8Fh, B0h, B1h, B2h (by its PAGE CODE)",
       describe_vpd_page, kResponse},
      // RECEIVE COPY RESULTS responses: one kind per format, because the service action is
      // in the CDB, not in the data (a --service-action option would only rename these).
      {"rcr-status-lid1", "RECEIVE COPY STATUS(LID1) response (84h/00h)",
       describe_rcr_status_lid1, kResponse},
      {"rcr-data-lid1", "RECEIVE COPY DATA(LID1) response (84h/01h)", describe_rcr_data_lid1,
       kResponse},
      {"rcr-op-params", "RECEIVE COPY OPERATING PARAMETERS response (84h/03h)",
       describe_rcr_operating_parameters, kResponse},
      {"rcr-failure-details", "RECEIVE COPY FAILURE DETAILS(LID1) response (84h/04h)",
       describe_rcr_failure_details, kResponse},
      {"rcr-status-lid4", "RECEIVE COPY STATUS(LID4) response (84h/05h)",
       describe_rcr_status_lid4, kResponse},
      {"rcr-data-lid4", "RECEIVE COPY DATA(LID4) response (84h/06h)", describe_rcr_data_lid4,
       kResponse},
      {"rrti", "RECEIVE ROD TOKEN INFORMATION response (84h/07h)", describe_rrti, kResponse},
      {"report-all-rod-tokens", "REPORT ALL ROD TOKENS response (84h/08h)",
       describe_report_all_rod_tokens, kResponse},
  };
  return table;
}

}  // namespace xg::cli
