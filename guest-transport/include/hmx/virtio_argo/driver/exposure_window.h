/* SPDX-License-Identifier: MIT */
// The driver's exposure window (spec transport "Exposure windows"): one exposure of a contiguous
// region of the driver's memory that holds only I/O buffers (HMX-VTA-169), to the device domain,
// EXPOSE_READ | EXPOSE_WRITE, VTA_EXPOSURE_WINDOW_USES uses. A request whose pieces all lie in
// it names them by (window handle, offset, len) segments: no expose before the request, no revoke
// after it. The window is exposed at its first use after CONNECT negotiated
// VTA_TRANSPORT_F_EXPOSURES, exposed again once its uses may have run out (a request that named
// it completed with USED_F_EXPOSURE_ERROR, or the uses the driver counted are gone) after the
// requests naming it drained, and revoked on reset, teardown and a broken link (HMX-VTA-170).
// One per connection, shared by its queues. Freestanding; not thread-safe.
#pragma once

#include <cstdint>

#include "hmx/virtio_argo/channel.h"
#include "hmx/virtio_argo/protocol_exposed.h"

namespace hmx::virtio_argo {

// The region the driver gives as its window; len 0: no window.
struct window_region {
  uint8_t* base = nullptr;
  uint32_t len = 0;
};

struct window_stats {
  uint64_t exposes = 0;    // expose calls for the window (each a call into the hypervisor)
  uint64_t revokes = 0;    // revoke calls for the window
  uint64_t failures = 0;   // exposes that failed (the window is then unused until the next reset)
  uint64_t requests = 0;   // requests sent with window segments
  uint64_t segments = 0;   // window segments they carried (adjacent pieces share one)
  uint64_t errors = 0;     // of them, completed with USED_F_EXPOSURE_ERROR
};

class exposure_window {
 public:
  void configure(const window_region& r) {
    region_ = r;
    handle_ = 0;
    uses_left_ = 0;
    in_flight_ = 0;
    stale_ = failed_ = false;
  }
  bool configured() const { return region_.len != 0 && region_.base != nullptr; }
  uint64_t handle() const { return handle_; }
  uint32_t in_flight() const { return in_flight_; }
  const window_stats& stats() const { return stats_; }

  // Where [p, p + len) starts in the window; false when a byte of it lies outside.
  bool locate(const uint8_t* p, uint32_t len, uint32_t& offset) const {
    const uintptr_t a = reinterpret_cast<uintptr_t>(p), b = reinterpret_cast<uintptr_t>(region_.base);
    if (!configured() || a < b || a - b > region_.len || len > region_.len - (a - b)) return false;
    offset = static_cast<uint32_t>(a - b);
    return true;
  }

  // Makes the window usable: exposes it when it has no live handle, first revoking one whose
  // uses may have run out once no request names it any more. False when it cannot be used now.
  template <exposure_channel C>
  bool ready(C& ch) {
    if (!configured() || failed_) return false;
    if (stale_) {
      if (in_flight_ != 0) return false;  // drains first: a live request still names the handle
      revoke(ch);
    }
    if (handle_ != 0) return true;
    ++stats_.exposes;
    const expose_result x = ch.expose(region_.base, region_.len,
                                      static_cast<uint16_t>(HMX_EXPOSE_READ | HMX_EXPOSE_WRITE),
                                      VTA_EXPOSURE_WINDOW_USES);
    if (x.status != result::ok || x.handle == 0) {
      ++stats_.failures;
      failed_ = true;
      return false;
    }
    handle_ = x.handle;
    uses_left_ = VTA_EXPOSURE_WINDOW_USES;
    return true;
  }

  // Whether `uses` more copies (one per segment, HMX-VTA-158 HMX-VTA-159) fit the uses left.
  bool can_take(uint64_t uses) const { return handle_ != 0 && !stale_ && uses <= uses_left_; }

  // A request naming the window with `uses` segments was sent (or is being sent).
  void started(uint32_t uses) {
    uses_left_ -= uses;
    ++in_flight_;
    ++stats_.requests;
    stats_.segments += uses;
    if (uses_left_ < kMaxSegmentsPerRequest) stale_ = true;  // expose again once they drain
  }
  // Its USED arrived; an exposure error may mean the uses ran out: expose again once drained.
  template <exposure_channel C>
  void finished(C& ch, bool exposure_error) {
    if (in_flight_ != 0) --in_flight_;
    if (exposure_error) {
      ++stats_.errors;
      stale_ = true;
    }
    if (stale_ && in_flight_ == 0) revoke(ch);
  }
  // A request naming the window was forgotten without its USED (reset of its queue).
  void forget() {
    if (in_flight_ != 0) --in_flight_;
  }

  // Queue reset: revoke now when no request names the window, else once they drain (other
  // queues' requests keep their window until their USED).
  template <exposure_channel C>
  void retire(C& ch) {
    if (in_flight_ == 0)
      revoke(ch);
    else
      stale_ = true;
  }

  // Ends the window (HMX-VTA-170): from the return on, the device copies nothing of it. A window
  // the device used up is already gone (no_entry). The next ready() exposes it again.
  template <exposure_channel C>
  void revoke(C& ch) {
    if (handle_ != 0) {
      ++stats_.revokes;
      (void)ch.revoke(handle_);
    }
    handle_ = 0;
    uses_left_ = 0;
    in_flight_ = 0;
    stale_ = false;
  }
  // Reset, teardown, broken link: revoke, and allow a failed expose to be tried again.
  template <exposure_channel C>
  void end(C& ch) {
    revoke(ch);
    failed_ = false;
  }

  static constexpr uint32_t kMaxSegmentsPerRequest = 16;

 private:
  window_region region_{};
  uint64_t handle_ = 0;
  uint32_t uses_left_ = 0;
  uint32_t in_flight_ = 0;
  bool stale_ = false;   // expose again once no request names the handle
  bool failed_ = false;  // the expose failed: the window stays unused until end()
  window_stats stats_{};
};

}  // namespace hmx::virtio_argo
