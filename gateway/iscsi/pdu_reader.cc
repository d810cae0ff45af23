#include "gateway/iscsi/pdu_reader.h"

#include <algorithm>
#include <string>

#include "base/byte_reader.h"
#include "gateway/iscsi/digest.h"

namespace xg::iscsi {
namespace {

constexpr std::size_t kAtTotalAhsLength = 4;
constexpr std::size_t kAtDataSegmentLength = 5;

std::size_t padded4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

bool digest_matches(std::span<const std::uint8_t> covered,
                    std::span<const std::uint8_t, kDigestLength> digest) {
  return crc32c(covered) == read_digest(digest);
}

}  // namespace

PduReader::PduReader(Role role, PduReaderLimits limits) : role_(role) {
  set_limits(limits);
  header_.reserve(kBhsLength);
}

void PduReader::set_limits(PduReaderLimits limits) {
  limits.max_recv_data_segment_length =
      std::min(limits.max_recv_data_segment_length, kMaxDataSegmentLength);
  limits_ = limits;
}

std::size_t PduReader::max_buffered_bytes() const {
  return kBhsLength + kMaxAhsLength + kDigestLength +
         padded4(limits_.max_recv_data_segment_length) + kDigestLength;
}

FeedResult PduReader::feed(std::span<const std::uint8_t> chunk) {
  FeedResult result;
  while (result.consumed < chunk.size() && !ready_ && stage_ != Stage::kFailed) {
    const auto rest = chunk.subspan(result.consumed);
    if (stage_ == Stage::kData && discard_) {
      const std::size_t n = std::min(want_ - skipped_, rest.size());
      skipped_ += n;
      result.consumed += n;
      if (skipped_ == want_) on_data_complete();
      continue;
    }
    auto& buffer = stage_ == Stage::kData ? data_ : header_;
    const std::size_t n = std::min(want_ - buffer.size(), rest.size());
    buffer.insert(buffer.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(n));
    result.consumed += n;
    if (buffer.size() < want_) continue;
    if (stage_ == Stage::kBhs) {
      on_bhs_complete();
    } else if (stage_ == Stage::kHeaderRest) {
      on_header_complete();
    } else {
      on_data_complete();
    }
  }
  if (ready_) {
    result.outcome = std::move(ready_);
    ready_.reset();
  } else if (stage_ == Stage::kFailed) {
    result.consumed = chunk.size();  // the connection is being dropped: swallow the rest
  }
  return result;
}

void PduReader::on_bhs_complete() {
  // Framing fields only; the rest of the BHS is decoded once the whole header (and its
  // digest) is in.
  pdu_digests_ = digests_;
  const std::size_t rest = std::size_t{header_[kAtTotalAhsLength]} * 4 +
                           (pdu_digests_.header ? kDigestLength : 0);
  if (rest == 0) {
    on_header_complete();
    return;
  }
  stage_ = Stage::kHeaderRest;
  want_ = kBhsLength + rest;
  header_.reserve(want_);
}

void PduReader::on_header_complete() {
  std::span<const std::uint8_t> header(header_);
  if (pdu_digests_.header) {
    const std::size_t at_digest = header.size() - kDigestLength;
    if (!digest_matches(header.first(at_digest), header.subspan(at_digest).first<kDigestLength>())) {
      fail(PduError::drop(PduErrorCode::kHeaderDigest, at_digest)
               .because("header digest mismatch: the PDU boundaries are lost"),
           false);
      return;
    }
  }
  base::ByteReader framing(header.subspan(kAtDataSegmentLength, 3), kAtDataSegmentLength);
  data_segment_length_ = framing.be24();
  if (data_segment_length_ > limits_.max_recv_data_segment_length) {
    // The peer ignores the limit we declared; it cannot be trusted to stay in step.
    fail(PduError{PduErrorCode::kSegmentTooLong, RejectReason::kProtocolError, true,
                  kAtDataSegmentLength,
                  "DataSegmentLength " + std::to_string(data_segment_length_) +
                      " above MaxRecvDataSegmentLength " +
                      std::to_string(limits_.max_recv_data_segment_length)},
         true);
    return;
  }

  const auto bhs = decode_bhs(header);
  std::optional<Ahs> ahs;
  if (auto error = check_header(bhs, ahs)) {
    pending_ = PduReadError{*std::move(error), {header.begin(), header.begin() + kBhsLength}};
    discard_ = true;
  } else {
    pdu_.emplace();
    std::copy_n(header.begin(), kBhsLength, pdu_->bhs_bytes.begin());
    pdu_->bhs = bhs.value();
    pdu_->ahs = std::move(*ahs);
  }
  stage_ = Stage::kData;
  want_ = data_segment_length_ == 0
              ? 0
              : padded4(data_segment_length_) + (pdu_digests_.data ? kDigestLength : 0);
  if (want_ == 0) {
    on_data_complete();
  } else if (!discard_) {
    data_.reserve(want_);
  }
}

std::optional<PduError> PduReader::check_header(const Result<Bhs>& bhs,
                                                std::optional<Ahs>& ahs) const {
  if (!bhs) return bhs.error();
  const Opcode opcode = opcode_of(*bhs);
  const bool from_initiator = is_initiator_opcode(static_cast<std::uint8_t>(opcode));
  if (from_initiator != (role_ == Role::kTarget)) {
    return PduError::protocol_error(PduErrorCode::kWrongDirection, 0)
        .because(std::string(opcode_name(static_cast<std::uint8_t>(opcode))) +
                 (from_initiator ? " sent to an initiator" : " sent to a target"));
  }
  auto decoded = decode_ahs(std::span(header_).subspan(kBhsLength, bhs->total_ahs_length * 4U));
  if (!decoded) return decoded.error();
  ahs = std::move(decoded).value();
  const std::uint32_t immediate_limit =
      std::min(limits_.first_burst_length, limits_.max_recv_data_segment_length);
  if (role_ == Role::kTarget && opcode == Opcode::kScsiCommand &&
      data_segment_length_ > immediate_limit) {
    return PduError::protocol_error(PduErrorCode::kImmediateDataTooLong, kAtDataSegmentLength)
        .because("immediate data of " + std::to_string(data_segment_length_) +
                 " bytes above FirstBurstLength " + std::to_string(immediate_limit));
  }
  return std::nullopt;
}

void PduReader::on_data_complete() {
  if (pending_) {
    ready_ = PduOutcome(std::move(*pending_));
    reset();
    return;
  }
  const std::size_t padded = padded4(data_segment_length_);
  if (pdu_digests_.data && data_segment_length_ > 0) {
    const std::span<const std::uint8_t> data(data_);
    if (!digest_matches(data.first(padded), data.subspan(padded).first<kDigestLength>())) {
      const std::size_t at_digest = header_.size() + padded;
      PduError error{PduErrorCode::kDataDigest, RejectReason::kDataDigestError, false,
                     at_digest, "data digest mismatch"};
      ready_ = PduOutcome(PduReadError{
          std::move(error), {header_.begin(), header_.begin() + kBhsLength}});
      reset();
      return;
    }
  }
  data_.resize(data_segment_length_);  // drop padding and digest
  pdu_->data = std::move(data_);
  ready_ = PduOutcome(std::move(*pdu_));
  reset();
}

void PduReader::fail(PduError error, bool keep_header) {
  std::vector<std::uint8_t> rejected;
  if (keep_header) rejected.assign(header_.begin(), header_.begin() + kBhsLength);
  ready_ = PduOutcome(PduReadError{std::move(error), std::move(rejected)});
  reset();
  std::vector<std::uint8_t>().swap(header_);  // release the memory: nothing more is read
  stage_ = Stage::kFailed;
}

void PduReader::reset() {
  stage_ = Stage::kBhs;
  want_ = kBhsLength;
  header_.clear();
  std::vector<std::uint8_t>().swap(data_);  // `= {}` would keep the capacity
  data_segment_length_ = 0;
  skipped_ = 0;
  discard_ = false;
  pdu_.reset();
  pending_.reset();
}

}  // namespace xg::iscsi
