/* SPDX-License-Identifier: Apache-2.0 */
// A request's buffers as the device sees them: a list of segments. Over virtio-argo they are
// one contiguous buffer in the device's own memory, rebuilt from AVAIL messages; in the
// shared-memory baseline they point into the driver's buffers. Device logic uses only this
// view, so the same device code runs on both paths (spec "Data path"). Hosted.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <sys/uio.h>

namespace hmx::virtio_argo::device {

class sg_view {
 public:
  sg_view() = default;
  explicit sg_view(std::span<const iovec> segs) : segs_(segs) {
    for (const iovec& s : segs_) total_ += s.iov_len;
  }

  uint64_t size() const { return total_; }
  std::span<const iovec> segments() const { return segs_; }

  // Copies [offset, offset + len) out of / into the segments; returns the bytes copied
  // (fewer when the range runs past the end).
  size_t read(uint64_t offset, void* dst, size_t len) const {
    return walk(offset, len, [&](uint8_t* p, size_t n, size_t done) {
      std::memcpy(static_cast<uint8_t*>(dst) + done, p, n);
    });
  }
  size_t write(uint64_t offset, const void* src, size_t len) const {
    return walk(offset, len, [&](uint8_t* p, size_t n, size_t done) {
      std::memcpy(p, static_cast<const uint8_t*>(src) + done, n);
    });
  }

  // The sub-range [offset, offset + len) as iovecs (for preadv/pwritev straight into the
  // buffers); returns the count written to out, 0 when the range does not fit or out is short.
  size_t slice(uint64_t offset, uint64_t len, std::span<iovec> out) const {
    if (offset > total_ || len > total_ - offset) return 0;
    size_t n = 0;
    bool ok = true;
    walk(offset, len, [&](uint8_t* p, size_t m, size_t) {
      if (n == out.size()) ok = false;
      else out[n++] = {p, m};
    });
    return ok ? n : 0;
  }

 private:
  template <class F>
  size_t walk(uint64_t offset, size_t len, F&& f) const {
    size_t done = 0;
    for (const iovec& s : segs_) {
      if (done == len) break;
      if (offset >= s.iov_len) {
        offset -= s.iov_len;
        continue;
      }
      const size_t n = std::min<size_t>(s.iov_len - offset, len - done);
      f(static_cast<uint8_t*>(s.iov_base) + offset, n, done);
      done += n;
      offset = 0;
    }
    return done;
  }

  std::span<const iovec> segs_;
  uint64_t total_ = 0;
};

}  // namespace hmx::virtio_argo::device
