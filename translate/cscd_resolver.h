// The CSCD resolver of EXTENDED COPY: names the logical units a segment list reads and
// writes, from the CSCD descriptors (SPC-4 6.4.5) and the target's own LUs, and turns each
// block -> block segment (SPC-4 6.4.6.3) into a CopyExtent the planner takes. Pure: no I/O,
// no locks, the same input gives the same answer, so every sense is unit-tested without a
// device (tests/translate/cscd_resolver_test.cc).
//
// Segments are resolved in list order up to the first that cannot be processed (SPC-4
// 5.17.7.4: the segments before it are still copied, then COPY ABORTED names it):
//   CSCD ID beyond the CSCD list, NUL set, not E4h, no LU of this target with that
//   designator                       -> 0D/02 COPY TARGET DEVICE NOT REACHABLE
//   DISK BLOCK LENGTH not the LU's, or source and destination block sizes differ
//                                    -> 0D/03 INCORRECT COPY TARGET DEVICE TYPE
//   LBA range outside the LU         -> 00/00 with the ILLEGAL REQUEST 21/00 the source or
//                                       destination would return, forwarded
// Only this target's LUs are candidates, so a CSCD can never reach another target's LU
// (the class of bug behind CVE-2020-28374).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "scsi/sense.h"
#include "scsi/xcopy_params.h"
#include "translate/copy_endpoint.h"
#include "translate/copy_plan.h"

namespace xg::translate {

// A LU of the target by its LUN, as a CSCD may name it.
using LunEndpoint = std::pair<std::uint64_t, const CopyEndpoint*>;

struct ResolvedSegments {
  // One per segment before the first that cannot be processed, in list order. Extent and
  // namespace ids (PlanNamespace::id) are the LUNs.
  std::vector<CopyExtent> extents;
  std::vector<PlanNamespace> namespaces;                   // each LU used, once
  std::map<std::uint32_t, const CopyEndpoint*> endpoints;  // by PlanNamespace::id
  // COPY ABORTED for segment `resolved_segments` when that one cannot be processed.
  std::optional<scsi::Sense> abort;
  std::uint16_t resolved_segments = 0;  // = extents.size()
};

// `lun` is the LU the EXTENDED COPY was sent to (CSCD ID FFFFh, SPC-4 table 146);
// `endpoints` are the target's LUs that take part in copies.
ResolvedSegments resolve_segments(const scsi::ExtendedCopyList& list, std::uint64_t lun,
                                  std::span<const LunEndpoint> endpoints);

}  // namespace xg::translate
