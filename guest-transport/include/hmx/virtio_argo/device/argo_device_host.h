/* SPDX-License-Identifier: Apache-2.0 */
// Serves one virtio device over one virtio-argo connection (spec "Transport messages", "Data
// path", "Flow control", "Reset"). The device's side of the bytes lives only in the device's
// own memory: each request is rebuilt from its AVAIL fragments into a buffer of this host,
// handed to the device as sg_views, and its written bytes go back in USED messages.
//
// Flow control: a request holds one credit of its queue from its first AVAIL fragment until
// its last USED fragment is accepted by the driver's ring, so the host never holds more than
// max_in_flight requests per queue and never has to drop one (HMX-VTA-023, -025). Outgoing
// messages wait in order in an outbox while the driver's ring is full (EAGAIN); the host keeps
// receiving meanwhile (HMX-VTA-022). Hosted; one thread (the one calling poll()/serve()).
//
// Bounded memory (spec "Security considerations", issue 14): the requests a connection holds at
// once are limited by a budget of bytes and entries fixed at start, checked before anything is
// allocated; an AVAIL beyond it is a protocol error (DEVICE_NEEDS_RESET, HMX-VTA-083 HMX-VTA-084 HMX-VTA-085) and so is a
// control request while the answer to the previous one still waits (HMX-VTA-059 HMX-VTA-060 HMX-VTA-061), so the outbox
// never holds more than every held request's USED, one response and one EVENT_CONFIG. A USED the
// driver's ring can never take (its CONNECT claimed a larger ring) is a protocol error too.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "hmx/virtio_argo/device/any_channel.h"
#include "hmx/virtio_argo/device/device_core.h"
#include "hmx/virtio_argo/device/virtio_device.h"
#include "hmx/virtio_argo/protocol.h"
#include "hmx/virtio_argo/protocol_exposed.h"

namespace hmx::virtio_argo::device {

struct argo_host_options {
  uint16_t dev_num = 1;
  queue_limits limits{};
  // Largest message the host's own ring accepts (the device_max_message of CONNECT).
  uint32_t rx_capacity = (1u << 20);
  // Where request buffers live (nullptr: the default heap). A device domain hosted over HMX
  // passes its own guest memory, so USED data leaves by sendv straight from the buffer the
  // device wrote (service/README.md).
  std::pmr::memory_resource* memory = nullptr;
  // Completions sent together: the outbox is flushed after this many received messages (and
  // whenever the own ring is empty). 1 sends each USED as soon as its request is served; more
  // lets the driver take several completions per wake-up, as a virtio device that interrupts
  // once per pass over its queues does.
  uint32_t completion_batch = 1;
  // Requests held at once over all queues: their readable plus writable bytes, and their number
  // (0: no limit beyond the credits and max_request_bytes).
  uint64_t budget_bytes = 0;
  uint32_t budget_entries = 0;
  // VTA_TRANSPORT_F_EXPOSURES was negotiated on this connection: exposed AVAILs are served with
  // the channel's fetch and deposit (spec transport "Requests with exposures"); without it they
  // are protocol errors (HMX-VTA-154).
  bool exposures = false;
};

struct argo_host_stats {
  uint64_t requests = 0;          // requests handed to the device
  uint64_t avail_messages = 0;
  uint64_t used_messages = 0;
  uint64_t control_requests = 0;
  uint64_t dropped_malformed = 0; // failed decoding (HMX-VTA-053 HMX-VTA-054)
  uint64_t protocol_errors = 0;   // well-formed but against the rules: DEVICE_NEEDS_RESET
  uint64_t eagain = 0;            // sends that met a full driver ring
  uint64_t resets = 0;
  uint64_t budget_hits = 0;       // AVAILs refused by the budget or an allocation that failed
  uint64_t outbox_peak = 0;       // most messages waiting at once
  uint64_t exposed_requests = 0;  // requests that came as exposed AVAILs
  uint64_t exposure_errors = 0;   // of them, completed with USED_F_EXPOSURE_ERROR (a failed fetch or deposit)
  uint64_t bytes_fetched = 0, bytes_deposited = 0;
  // Calls made to fetch or deposit: the channel's copy_batch() runs a request's fetches, and the
  // deposits of every exposed request waiting to be completed, as one call (one exit) each.
  uint64_t exposure_calls = 0;
};

class argo_device_host final : private request_sink, private config_listener {
 public:
  argo_device_host(virtio_device& dev, any_channel& ch, const argo_host_options& options);
  ~argo_device_host();
  argo_device_host(const argo_device_host&) = delete;
  argo_device_host& operator=(const argo_device_host&) = delete;

  // Receives and serves everything pending, then sends what the driver's ring takes.
  // Returns conn_refused once the driver is gone (its ring vanished): the device was reset.
  result poll();
  // Runs poll() until `stop` or the driver is gone, waiting up to wait_ns between rounds.
  result serve(const std::atomic<bool>& stop, uint64_t wait_ns = 1'000'000);
  // Runs fn on the serving thread at the start of the next poll() (device-side events such as
  // a resize or console input, in tests that serve from another thread).
  void post(std::function<void()> fn);

  device_core& core() { return core_; }
  const argo_host_stats& stats() const { return stats_; }
  uint32_t in_flight(uint16_t queue) const;
  size_t outbox_size() const { return outbox_.size(); }
  // Most messages the outbox can hold: a USED per request held, one response, one EVENT_CONFIG.
  uint64_t outbox_bound() const;
  uint32_t in_flight_total() const;
  uint64_t bytes_held() const { return bytes_held_; }

 private:
  struct slot;
  struct queue_rt {
    slot* assembling = nullptr;  // the request whose fragments are arriving
    uint32_t in_flight = 0;      // credits in use
    std::vector<bool> head_busy;
  };
  struct out_entry {
    enum kind_t : uint8_t { bytes, used, config_event } kind;
    std::vector<uint8_t> data;  // bytes: the encoded message
    slot* request = nullptr;    // used: the completed request
  };

  void complete(request& r, uint32_t written) override;
  void config_changed() override;

  void handle(const uint8_t* data, uint32_t size);
  void on_control(const message& m);
  void on_avail(const message& m);
  void on_exposed_avail(const message& m);
  result send_exposed_used(slot& s);
  void deposit_pending();
  void copy_all(bool deposit);
  void respond(const message& req, uint32_t len);
  void enqueue(out_entry e);
  bool within_budget(uint64_t cost) const;
  void violation();
  void flush();
  void release(slot* s);
  void drop_requests(int queue);  // -1: all queues
  void reset_device();
  void driver_gone();

  virtio_device& dev_;
  any_channel& ch_;
  argo_host_options opt_;
  device_core core_;
  std::vector<uint8_t> rx_;
  std::vector<uint8_t> tx_;
  std::vector<queue_rt> queues_;
  std::unordered_map<slot*, std::unique_ptr<slot>> live_;
  std::vector<std::unique_ptr<slot>> pool_;
  std::deque<out_entry> outbox_;
  std::vector<chan_copy> copies_;     // one batch of fetches or deposits (copy_all)
  std::vector<slot*> copy_owner_;     // the request of each copies_ entry
  uint32_t responses_waiting_ = 0;  // control responses in the outbox (HMX-VTA-059 HMX-VTA-060 HMX-VTA-061: at most one)
  uint64_t bytes_held_ = 0;         // readable + writable bytes of the requests held
  bool config_event_queued_ = false;
  bool gone_ = false;
  std::mutex post_mu_;
  std::vector<std::function<void()>> posted_;
  argo_host_stats stats_;
};

}  // namespace hmx::virtio_argo::device
