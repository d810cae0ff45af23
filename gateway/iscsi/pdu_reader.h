// Incremental iSCSI PDU framing (RFC 7143 11.1 "iSCSI PDU Length and Padding", 11.2):
// feed bytes in chunks of any size, one byte at a time included, and get complete PDUs
// out. Pure: no sockets, no clocks; gateway/connection owns the socket.
//
// Wire layout of one PDU:
//   BHS (48) | AHS (TotalAHSLength*4) | HeaderDigest (4)? | data | pad to 4 | DataDigest (4)?
// The DataDigest is present only when DataSegmentLength is not zero.
//
// Memory contract. The reader holds at most one PDU: feed() consumes bytes only up to the
// end of the PDU it is assembling and returns as soon as that PDU (or an error) is
// complete, leaving the rest of the chunk to the caller. A data segment is buffered only
// after its header passed every check, so buffered_bytes() never exceeds
// max_buffered_bytes() = 48 + 1020 + 4 + MaxRecvDataSegmentLength (+ padding) + 4,
// whatever the peer sends. Segments of PDUs that will be rejected are skipped, not stored.
//
// Errors (PduError in bhs.h), in the order they are checked:
//   header digest mismatch          -> drop the connection (no Reject: the lengths in the
//                                      header cannot be trusted; RFC 7143 7, "Digest
//                                      Errors", without sync and steering)
//   BHS/AHS decode errors           -> Reject as decode_bhs/decode_ahs say; the data
//                                      segment is skipped so the next PDU is found
//   an opcode of the wrong side     -> Reject 04h (RFC 7143 11.2.1.2: "targets MUST NOT
//                                      use initiator opcodes" and vice versa)
//   DataSegmentLength > MaxRecvDataSegmentLength
//                                   -> Reject 04h, then drop the connection
//   immediate data > FirstBurstLength (SCSI Command, role kTarget)
//                                   -> Reject 04h, data skipped (RFC 7143 13.14)
//   data digest mismatch            -> Reject 02h (RFC 7143 11.17.1), connection kept
// After an error that drops the connection the reader is failed: feed() swallows all
// further input without reporting anything (the connection is being closed).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "gateway/iscsi/bhs.h"
#include "gateway/iscsi/pdu_writer.h"

namespace xg::iscsi {

// Who owns the reader: a target reads initiator opcodes, an initiator target opcodes.
enum class Role : std::uint8_t { kTarget, kInitiator };

struct PduReaderLimits {
  // MaxRecvDataSegmentLength this side declared (RFC 7143 13.12; default 8192, at most
  // 2^24-1). Bounds every data segment.
  std::uint32_t max_recv_data_segment_length = 8192;
  // FirstBurstLength (RFC 7143 13.14; default 65536): bounds immediate data on a SCSI
  // Command, together with MaxRecvDataSegmentLength. Used for role kTarget only.
  std::uint32_t first_burst_length = 65536;
};

struct Pdu {
  std::array<std::uint8_t, kBhsLength> bhs_bytes{};  // as received, e.g. for a Reject
  Bhs bhs;
  Ahs ahs;
  std::vector<std::uint8_t> data;  // the data segment without padding
  friend bool operator==(const Pdu&, const Pdu&) = default;
};

struct PduReadError {
  PduError error;
  // The offending PDU's BHS, for the Reject's data segment (RFC 7143 11.17.3); empty when
  // the header itself is not trusted (header digest error, failed connection).
  std::vector<std::uint8_t> rejected_header;
  friend bool operator==(const PduReadError&, const PduReadError&) = default;
};

using PduOutcome = base::Result<Pdu, PduReadError>;

struct FeedResult {
  std::size_t consumed = 0;            // bytes of the chunk used; >= 1 for a non-empty chunk
  std::optional<PduOutcome> outcome;   // a PDU or an error, when one completed
};

class PduReader {
 public:
  explicit PduReader(Role role = Role::kTarget, PduReaderLimits limits = {});

  // Digests negotiated at login take effect on the first PDU after the Login Response
  // with T=1 and NSG=FullFeaturePhase: call between PDUs (at_pdu_boundary()).
  void set_digests(DigestSettings digests) { digests_ = digests; }
  // New limits apply from the next PDU header on.
  void set_limits(PduReaderLimits limits);

  // Consumes a prefix of `chunk`, stopping after the first PDU or error that completes.
  // Call again with the rest of the chunk until it is used up.
  FeedResult feed(std::span<const std::uint8_t> chunk);

  bool at_pdu_boundary() const { return stage_ == Stage::kBhs && header_.empty(); }
  bool failed() const { return stage_ == Stage::kFailed; }
  std::size_t buffered_bytes() const { return header_.size() + data_.size(); }
  std::size_t max_buffered_bytes() const;
  // Heap actually held, for the memory-bound tests.
  std::size_t allocated_bytes() const { return header_.capacity() + data_.capacity(); }

 private:
  // kBhs: the 48 BHS bytes; kHeaderRest: AHS and header digest; kData: data segment,
  // padding and data digest (stored, or only counted when discard_ is set).
  enum class Stage : std::uint8_t { kBhs, kHeaderRest, kData, kFailed };

  void on_bhs_complete();
  void on_header_complete();
  std::optional<PduError> check_header(const Result<Bhs>& bhs, std::optional<Ahs>& ahs) const;
  void on_data_complete();
  void fail(PduError error, bool keep_header);
  void reset();

  Role role_;
  PduReaderLimits limits_;
  DigestSettings digests_;
  Stage stage_ = Stage::kBhs;
  std::size_t want_ = kBhsLength;  // bytes the current stage needs in total
  std::vector<std::uint8_t> header_;  // BHS, AHS, header digest
  std::vector<std::uint8_t> data_;    // data segment, padding, data digest
  DigestSettings pdu_digests_;        // digests in force for the PDU being assembled
  std::uint32_t data_segment_length_ = 0;
  std::size_t skipped_ = 0;           // bytes of a discarded data segment seen so far
  bool discard_ = false;              // skip the data segment: the PDU is being rejected
  std::optional<Pdu> pdu_;            // decoded header of the PDU being assembled
  std::optional<PduReadError> pending_;  // error to report once the PDU is skipped
  std::optional<PduOutcome> ready_;      // outcome completed by the last stage change
};

}  // namespace xg::iscsi
