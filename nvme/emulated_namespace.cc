#include "nvme/emulated_namespace.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace xg::nvme {
namespace {

// Bounce buffer for overlapping copies and zero fills: large enough to stream, small
// enough to keep per-worker memory bounded.
constexpr std::uint64_t kChunkBytes = 1U << 20;

off_t to_off(std::uint64_t bytes) { return static_cast<off_t>(bytes); }

bool pread_all(int fd, std::uint8_t* out, std::uint64_t bytes, std::uint64_t offset) {
  while (bytes > 0) {
    const ssize_t n = ::pread(fd, out, static_cast<std::size_t>(bytes), to_off(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // 0: past end of file, which bounds checks rule out
    const auto done = static_cast<std::uint64_t>(n);
    out += done;
    bytes -= done;
    offset += done;
  }
  return true;
}

bool pwrite_all(int fd, const std::uint8_t* in, std::uint64_t bytes, std::uint64_t offset) {
  while (bytes > 0) {
    const ssize_t n = ::pwrite(fd, in, static_cast<std::size_t>(bytes), to_off(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    const auto done = static_cast<std::uint64_t>(n);
    in += done;
    bytes -= done;
    offset += done;
  }
  return true;
}

OpenError open_error(const EmulatedNamespaceConfig& c, std::string why, int error = 0) {
  if (error != 0) why += std::string(": ") + std::strerror(error);
  return OpenError{c.path, std::move(why), error};
}

}  // namespace

base::Result<std::unique_ptr<EmulatedNamespace>, OpenError> EmulatedNamespace::open(
    const EmulatedNamespaceConfig& config) {
  if (config.lba_size != 512 && config.lba_size != 4096) {
    return open_error(config, "LBA size must be 512 or 4096");
  }
  if (config.capacity == 0 || config.capacity > (UINT64_MAX >> 13)) {
    return open_error(config, "capacity must be 1.." + std::to_string(UINT64_MAX >> 13));
  }
  const std::uint64_t bytes = config.capacity * config.lba_size;
  bool created = true;
  int fd = ::open(config.path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    created = false;
    fd = ::open(config.path.c_str(), O_RDWR | O_CLOEXEC);
  }
  if (fd < 0) return open_error(config, "cannot open backing file", errno);
  if (created) {
    // ftruncate leaves the file sparse: nothing is allocated until written.
    if (::ftruncate(fd, to_off(bytes)) != 0) {
      const int e = errno;
      ::close(fd);
      ::unlink(config.path.c_str());
      return open_error(config, "cannot size backing file", e);
    }
  } else {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int e = errno;
      ::close(fd);
      return open_error(config, "cannot stat backing file", e);
    }
    if (static_cast<std::uint64_t>(st.st_size) != bytes) {
      ::close(fd);
      return open_error(config, "existing backing file is " + std::to_string(st.st_size) +
                                    " bytes but the namespace needs " + std::to_string(bytes) +
                                    " (capacity x LBA size); refusing to resize it");
    }
  }
  return std::unique_ptr<EmulatedNamespace>(new EmulatedNamespace(config, fd));
}

EmulatedNamespace::~EmulatedNamespace() {
  if (fd_ >= 0) ::close(fd_);
}

bool EmulatedNamespace::in_range(std::uint64_t slba, std::uint64_t blocks) const {
  return slba <= config_.capacity && blocks <= config_.capacity - slba;
}

bool EmulatedNamespace::read(std::uint64_t slba, std::span<std::uint8_t> out) const {
  return pread_all(fd_, out.data(), out.size(), slba * config_.lba_size);
}

bool EmulatedNamespace::write(std::uint64_t slba, std::span<const std::uint8_t> in) {
  return pwrite_all(fd_, in.data(), in.size(), slba * config_.lba_size);
}

bool EmulatedNamespace::write_zeroes(std::uint64_t slba, std::uint64_t blocks,
                                     bool deallocate) {
  const std::uint64_t offset = slba * config_.lba_size;
  const std::uint64_t bytes = blocks * config_.lba_size;
  const int mode = deallocate ? (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)
                              : FALLOC_FL_ZERO_RANGE;
  if (::fallocate(fd_, mode, to_off(offset), to_off(bytes)) == 0) return true;
  // tmpfs lacks ZERO_RANGE, some filesystems lack holes: zeros written are zeros read.
  const std::vector<std::uint8_t> zeros(static_cast<std::size_t>(std::min(bytes, kChunkBytes)));
  for (std::uint64_t done = 0; done < bytes;) {
    const std::uint64_t n = std::min<std::uint64_t>(bytes - done, zeros.size());
    if (!pwrite_all(fd_, zeros.data(), n, offset + done)) return false;
    done += n;
  }
  return true;
}

bool EmulatedNamespace::flush() { return ::fdatasync(fd_) == 0; }

CopyOutcome EmulatedNamespace::copy_from(const EmulatedNamespace& source, std::uint64_t source_lba,
                                         std::uint64_t destination_lba, std::uint64_t blocks) {
  const std::uint64_t lba = config_.lba_size;
  const std::uint64_t from = source_lba * lba;
  const std::uint64_t to = destination_lba * lba;
  const std::uint64_t bytes = blocks * lba;
  const auto outcome = [&](IoFailure failure, std::uint64_t done_bytes) {
    return CopyOutcome{failure, failure == IoFailure::kNone ? blocks : done_bytes / lba};
  };
  if (&source == this && from == to) return outcome(IoFailure::kNone, bytes);
  const bool overlap = &source == this && from < to + bytes && to < from + bytes;
  std::uint64_t done = 0;
  // copy_file_range refuses overlapping runs in one file (EINVAL): copy through a bounded
  // buffer, back to front when the destination lies above the source (memmove).
  if (overlap) {
    const IoFailure failure = copy_buffered(fd_, from, to, bytes, to > from, &done);
    return outcome(failure, done);
  }

  loff_t in_off = static_cast<loff_t>(from);
  loff_t out_off = static_cast<loff_t>(to);
  while (done < bytes) {
    const ssize_t n =
        ::copy_file_range(source.fd_, &in_off, fd_, &out_off,
                          static_cast<std::size_t>(std::min(bytes - done, kChunkBytes * 64)), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) {
      done += static_cast<std::uint64_t>(n);
      continue;
    }
    if (n == 0) return outcome(IoFailure::kRead, done);  // unexpected end of the source file
    // QEMU 8.1 also calls either side a write fault.
    if (errno == EIO) return outcome(IoFailure::kWrite, done);
    // EXDEV, EOPNOTSUPP, ENOSYS, EINVAL, EFBIG: the kernel or filesystem cannot do it;
    // stream it (and report what that can, or cannot, write).
    std::uint64_t streamed = 0;
    const IoFailure failure =
        copy_buffered(source.fd_, from + done, to + done, bytes - done, false, &streamed);
    return outcome(failure, done + streamed);
  }
  return outcome(IoFailure::kNone, bytes);
}

IoFailure EmulatedNamespace::copy_buffered(int source_fd, std::uint64_t source_offset,
                                           std::uint64_t offset, std::uint64_t bytes,
                                           bool backwards, std::uint64_t* done_bytes) {
  *done_bytes = 0;
  std::vector<std::uint8_t> buffer(static_cast<std::size_t>(std::min(bytes, kChunkBytes)));
  for (std::uint64_t done = 0; done < bytes;) {
    const std::uint64_t n = std::min<std::uint64_t>(bytes - done, buffer.size());
    // Back to front: the chunk nearest the end moves first, so no source byte is
    // overwritten before it has been read.
    const std::uint64_t at = backwards ? bytes - done - n : done;
    if (!pread_all(source_fd, buffer.data(), n, source_offset + at)) return IoFailure::kRead;
    if (!pwrite_all(fd_, buffer.data(), n, offset + at)) return IoFailure::kWrite;
    done += n;
    if (!backwards) *done_bytes = done;
  }
  *done_bytes = bytes;
  return IoFailure::kNone;
}

}  // namespace xg::nvme
