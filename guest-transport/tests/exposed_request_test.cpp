// SPDX-License-Identifier: Apache-2.0
// The device host serves exposed AVAILs (spec transport "Requests with exposures") over the
// loopback link, whose exposures check what the reference core checks: readable bytes fetched
// once, written bytes deposited once, USED without data; a hostile driver's handles only make
// its own request fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "hmx/virtio_argo/device/argo_device_host.h"
#include "hmx/virtio_argo/device/console_device.h"
#include "hmx/virtio_argo/loopback.h"
#include "hmx/virtio_argo/protocol_exposed.h"

namespace hmx::virtio_argo::device {
namespace {

namespace v = virtio;
using bytes = std::vector<uint8_t>;

struct ExposedRequest : ::testing::Test {
  explicit ExposedRequest(bool exposures = true, uint32_t credit = 2)
      : link(1 << 16, 1 << 16), ch(link.device()), host(con, ch, options(exposures, credit)) {}
  static argo_host_options options(bool exposures, uint32_t credit) {
    argo_host_options o{1, {credit, 4096}, (1 << 16) - 32};
    o.exposures = exposures;
    return o;
  }
  void send(const bytes& b) {
    const chan_iov iov{b.data(), static_cast<uint32_t>(b.size())};
    ASSERT_EQ(link.driver().send(&iov, 1), result::ok);
  }
  msg_header h(uint8_t id, uint32_t token) { return {0, id, 1, token, 0}; }
  std::vector<bytes> replies() {
    (void)host.poll();
    std::vector<bytes> out;
    uint8_t b[1 << 16];
    for (;;) {
      const recv_result rr = link.driver().receive(b, sizeof b);
      if (rr.status != result::ok) return out;
      out.emplace_back(b, b + rr.size);
    }
  }
  void set_status(uint8_t s) {
    uint8_t b[64];
    const uint32_t n = encode_u32(b, sizeof b, h(VTA_MSG_SET_DEVICE_STATUS, ++token), s);
    send(bytes(b, b + n));
  }
  void init() {
    set_status(v::STATUS_ACKNOWLEDGE);
    set_status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER);
    const uint32_t w[2] = {0, 1};
    uint8_t b[128];
    uint32_t n = encode(b, sizeof b, h(VTA_MSG_SET_DRIVER_FEATURES, ++token), features_block{0, 2}, w);
    send(bytes(b, b + n));
    set_status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER | v::STATUS_FEATURES_OK);
    for (uint32_t q = 0; q < 2; ++q) {
      n = encode(b, sizeof b, h(VTA_MSG_SET_VQUEUE, ++token), set_vqueue{q, 16, 0, 0});
      send(bytes(b, b + n));
    }
    set_status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER | v::STATUS_FEATURES_OK | v::STATUS_DRIVER_OK);
    ASSERT_EQ(replies().size(), 7u);
    ASSERT_TRUE(host.core().driver_ok());
  }
  bytes exposed(uint16_t vq, uint16_t head, uint32_t tag, uint32_t readable, uint32_t writable,
                const std::vector<exposure_segment>& segs) {
    uint8_t p[VTA_AVAIL_PREFIX];
    encode_exposed_avail_prefix(p, 1, tag, vq, head, readable, writable, static_cast<uint32_t>(segs.size()));
    bytes b(p, p + sizeof p);
    for (const exposure_segment& s : segs) {
      uint8_t e[VTA_EXPOSURE_SEGMENT_SIZE];
      encode_exposure_segment(e, s);
      b.insert(b.end(), e, e + sizeof e);
    }
    return b;
  }
  // The USED messages among the replies: {tag, flags, written_total}, each checked to carry no data.
  struct used_msg {
    uint32_t tag, flags, written;
  };
  std::vector<used_msg> used(const std::vector<bytes>& rs) {
    std::vector<used_msg> out;
    for (const bytes& r : rs) {
      message m;
      EXPECT_EQ(decode_message(r.data(), static_cast<uint32_t>(r.size()), role::driver, m), result::ok);
      if (m.hdr.msg_id != VTA_MSG_USED) continue;
      EXPECT_EQ(r.size(), VTA_USED_PREFIX) << "HMX-VTA-160: no data";
      out.push_back({m.hdr.token, wire::load_le32(m.payload + 4), wire::load_le32(m.payload + 8)});
    }
    return out;
  }

  console_device con{false};
  loopback_link link;
  channel_ref<loopback_endpoint> ch;
  argo_device_host host;
  uint32_t token = 0;
};

// covers: HMX-VTA-158 HMX-VTA-159 HMX-VTA-160
TEST_F(ExposedRequest, ReadableBytesAreFetchedAndWrittenBytesDepositedOnce) {
  init();
  const std::string a = "hello ", b = "exposures";
  const expose_result xa = link.driver().expose(a.data(), 6, HMX_EXPOSE_READ, 1);
  const expose_result xb = link.driver().expose(b.data(), 9, HMX_EXPOSE_READ, 1);
  ASSERT_EQ(xa.status, result::ok);
  ASSERT_EQ(xb.status, result::ok);
  send(exposed(1, 0, 100, 15, 0, {{xa.handle, 6}, {xb.handle, 9}}));  // transmitq
  auto u = used(replies());
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].tag, 100u);
  EXPECT_EQ(u[0].flags, 0u);
  EXPECT_EQ(con.output(), "hello exposures");
  EXPECT_EQ(link.driver().live_exposures(), 0u) << "each fetched exactly once: used up";

  char in1[4] = {}, in2[8] = {};
  const expose_result w1 = link.driver().expose(in1, 4, HMX_EXPOSE_WRITE, 1);
  const expose_result w2 = link.driver().expose(in2, 8, HMX_EXPOSE_WRITE, 1);
  send(exposed(0, 0, 101, 0, 12, {{w1.handle, 4}, {w2.handle, 8}}));  // receiveq
  EXPECT_TRUE(used(replies()).empty()) << "no input yet";
  con.input("abcdef");
  u = used(replies());
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].tag, 101u);
  EXPECT_EQ(u[0].written, 6u);
  EXPECT_EQ(std::string(in1, 4), "abcd");
  EXPECT_EQ(std::string(in2, 2), "ef");
  EXPECT_EQ(in2[2], 0);
  EXPECT_EQ(host.stats().bytes_fetched, 15u);
  EXPECT_EQ(host.stats().bytes_deposited, 6u);
  EXPECT_EQ(host.stats().exposed_requests, 2u);
  EXPECT_EQ(link.device().stats().exposure_bytes, 21u);
}

// covers: HMX-VTA-161 HMX-VTA-162
TEST_F(ExposedRequest, AHostileDriversHandlesFailItsRequestAndNothingElse) {
  init();
  const std::string a = "ok";
  const expose_result wrong_access = link.driver().expose(a.data(), 2, HMX_EXPOSE_WRITE, 1);
  send(exposed(1, 0, 200, 2, 0, {{0xdeadbeef, 2}}));                 // never issued
  send(exposed(1, 1, 201, 2, 0, {{wrong_access.handle, 2}}));        // no EXPOSE_READ
  const expose_result revoked = link.driver().expose(a.data(), 2, HMX_EXPOSE_READ, 1);
  ASSERT_EQ(link.driver().revoke(revoked.handle), result::ok);
  send(exposed(1, 2, 202, 2, 0, {{revoked.handle, 2}}));             // revoked
  char in[4] = {};
  const expose_result ro = link.driver().expose(in, 4, HMX_EXPOSE_READ, 1);
  send(exposed(0, 0, 203, 0, 4, {{ro.handle, 4}}));                  // writable without EXPOSE_WRITE
  con.input("zz");
  const expose_result good = link.driver().expose(a.data(), 2, HMX_EXPOSE_READ, 1);
  send(exposed(1, 3, 204, 2, 0, {{good.handle, 2}}));
  const auto u = used(replies());
  ASSERT_EQ(u.size(), 5u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(u[i].flags, VTA_USED_F_EXPOSURE_ERROR) << u[i].tag;
    EXPECT_EQ(u[i].written, 0u) << u[i].tag;
  }
  EXPECT_EQ(u[4].tag, 204u);
  EXPECT_EQ(u[4].flags, 0u);
  EXPECT_EQ(con.output(), "ok") << "only the good request was served";
  EXPECT_EQ(host.stats().exposure_errors, 4u);
  EXPECT_FALSE(host.core().needs_reset()) << "failed copies are not protocol errors";
  EXPECT_EQ(in[0], 0);
}

// A driver's exposure window (spec transport "Exposure windows"): the device copies exactly the
// segments' [offset, offset + len), and nothing else of the window.
// covers: HMX-VTA-166 HMX-VTA-167 HMX-VTA-171
TEST_F(ExposedRequest, WindowSegmentsAreCopiedAtTheirOffsetAndNothingElse) {
  init();
  uint8_t win[256];
  std::memset(win, '.', sizeof win);
  std::memcpy(win + 40, "fetch me", 8);
  const expose_result w = link.driver().expose(win, sizeof win, HMX_EXPOSE_READ | HMX_EXPOSE_WRITE,
                                               VTA_EXPOSURE_WINDOW_USES);
  ASSERT_EQ(w.status, result::ok);
  send(exposed(1, 0, 500, 8, 0, {{w.handle, 5, 40}, {w.handle, 3, 45}}));
  auto u = used(replies());
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].flags, 0u);
  EXPECT_EQ(con.output(), "fetch me");
  send(exposed(0, 0, 501, 0, 6, {{w.handle, 2, 200}, {w.handle, 4, 100}}));
  con.input("abcdef");
  u = used(replies());
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].written, 6u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(win + 200), 2), "ab");
  EXPECT_EQ(std::string(reinterpret_cast<char*>(win + 100), 4), "cdef");
  EXPECT_EQ(std::count(win, win + sizeof win, '.'), 256 - 8 - 6) << "no other byte written";
  EXPECT_EQ(link.driver().live_exposures(), 1u) << "the window stays";
  EXPECT_EQ(host.stats().bytes_fetched, 8u);
  EXPECT_EQ(host.stats().bytes_deposited, 6u);
}

// A driver that names bytes beyond its exposure: the hypervisor answers EINVAL, and only that
// request fails (USED_F_EXPOSURE_ERROR, written_total 0); the next one is served.
// covers: HMX-VTA-161 HMX-VTA-162 HMX-VTA-166 HMX-VTA-167
TEST_F(ExposedRequest, AnOffsetBeyondTheExposureFailsOnlyItsRequest) {
  init();
  uint8_t win[64] = {};
  std::memcpy(win, "good", 4);
  const expose_result w = link.driver().expose(win, sizeof win, HMX_EXPOSE_READ | HMX_EXPOSE_WRITE, 100);
  ASSERT_EQ(w.status, result::ok);
  send(exposed(1, 0, 600, 4, 0, {{w.handle, 4, 62}}));           // straddles the end
  send(exposed(1, 1, 601, 1, 0, {{w.handle, 1, 0xFFFFFFFFu}}));  // far beyond it
  send(exposed(0, 0, 602, 0, 4, {{w.handle, 4, 64}}));           // a deposit just past it
  con.input("zzzz");
  send(exposed(1, 2, 603, 4, 0, {{w.handle, 4, 0}}));
  const auto u = used(replies());
  ASSERT_EQ(u.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(u[i].flags, VTA_USED_F_EXPOSURE_ERROR) << u[i].tag;
    EXPECT_EQ(u[i].written, 0u) << u[i].tag;
  }
  EXPECT_EQ(u[3].tag, 603u);
  EXPECT_EQ(u[3].flags, 0u);
  EXPECT_EQ(con.output(), "good");
  EXPECT_EQ(host.stats().exposure_errors, 3u);
  EXPECT_FALSE(host.core().needs_reset());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(win), 4), "good");
}

// Credit for several requests of one queue in flight.
struct ExposedBatch : ExposedRequest {
  ExposedBatch() : ExposedRequest(true, 4) {}
};

// Batched copies (spec 08-batching): the deposits of several completions flushed together go to
// the channel as one copy_batch() call (one exit over HMX), each byte once, each USED after them.
// covers: HMX-VTA-159 HMX-VTA-160 HMX-VTA-167
TEST_F(ExposedBatch, DepositsOfCompletionsFlushedTogetherAreOneCall) {
  init();
  char in[3][4] = {};
  for (uint16_t i = 0; i < 3; ++i) {
    const expose_result w = link.driver().expose(in[i], 4, HMX_EXPOSE_WRITE, 1);
    ASSERT_EQ(w.status, result::ok);
    send(exposed(0, i, 700 + i, 0, 4, {{w.handle, 4}}));
  }
  EXPECT_TRUE(used(replies()).empty()) << "no input yet";
  const uint64_t calls = link.device().stats().copy_calls, host_calls = host.stats().exposure_calls;
  con.input("abcdefghijkl");  // completes all three before the next flush
  const auto u = used(replies());
  ASSERT_EQ(u.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(u[i].tag, 700 + i);
    EXPECT_EQ(u[i].flags, 0u);
    EXPECT_EQ(u[i].written, 4u);
  }
  EXPECT_EQ(std::string(in[0], 4) + std::string(in[1], 4) + std::string(in[2], 4), "abcdefghijkl");
  EXPECT_EQ(link.device().stats().copy_calls - calls, 1u) << "three deposits, one call";
  EXPECT_EQ(host.stats().exposure_calls - host_calls, 1u);
  EXPECT_EQ(link.driver().live_exposures(), 0u) << "each deposited exactly once";
  EXPECT_EQ(host.stats().bytes_deposited, 12u);
}

// A request's readable segments are fetched in one call.
// covers: HMX-VTA-158
TEST_F(ExposedBatch, ARequestsFetchesAreOneCall) {
  init();
  const std::string a = "one ", b = "two ", c = "three";
  const expose_result xa = link.driver().expose(a.data(), 4, HMX_EXPOSE_READ, 1);
  const expose_result xb = link.driver().expose(b.data(), 4, HMX_EXPOSE_READ, 1);
  const expose_result xc = link.driver().expose(c.data(), 5, HMX_EXPOSE_READ, 1);
  const uint64_t calls = link.device().stats().copy_calls;
  send(exposed(1, 0, 710, 13, 0, {{xa.handle, 4}, {xb.handle, 4}, {xc.handle, 5}}));
  const auto u = used(replies());
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].flags, 0u);
  EXPECT_EQ(con.output(), "one two three");
  EXPECT_EQ(link.device().stats().copy_calls - calls, 1u);
  EXPECT_EQ(link.driver().live_exposures(), 0u);
}

// One failing entry of a batch fails only its request: USED_F_EXPOSURE_ERROR with written_total 0;
// the requests before and after it in the same call are completed normally.
// covers: HMX-VTA-161 HMX-VTA-162
TEST_F(ExposedBatch, AFailingDepositInABatchFailsOnlyItsRequest) {
  init();
  char in[3][4] = {};
  uint64_t handles[3] = {};
  for (uint16_t i = 0; i < 3; ++i) {
    const expose_result w = link.driver().expose(in[i], 4, HMX_EXPOSE_WRITE, 1);
    ASSERT_EQ(w.status, result::ok);
    handles[i] = w.handle;
    send(exposed(0, i, 720 + i, 0, 4, {{w.handle, 4}}));
  }
  EXPECT_TRUE(used(replies()).empty());
  ASSERT_EQ(link.driver().revoke(handles[1]), result::ok);  // the middle request's deposit fails
  const uint64_t calls = link.device().stats().copy_calls;
  con.input("abcdefghijkl");
  const auto u = used(replies());
  ASSERT_EQ(u.size(), 3u);
  EXPECT_EQ(u[0].flags, 0u);
  EXPECT_EQ(u[0].written, 4u);
  EXPECT_EQ(u[1].tag, 721u);
  EXPECT_EQ(u[1].flags, VTA_USED_F_EXPOSURE_ERROR);
  EXPECT_EQ(u[1].written, 0u);
  EXPECT_EQ(u[2].flags, 0u);
  EXPECT_EQ(u[2].written, 4u);
  EXPECT_EQ(std::string(in[0], 4), "abcd");
  EXPECT_EQ(in[1][0], 0);
  EXPECT_EQ(std::string(in[2], 4), "ijkl");
  EXPECT_EQ(link.device().stats().copy_calls - calls, 1u);
  EXPECT_EQ(host.stats().exposure_errors, 1u);
  EXPECT_FALSE(host.core().needs_reset());
}

// Entries a call did not run because of its byte budget are submitted again, not failed, and no
// byte is copied twice (spec 08-batching "The per-call byte budget").
// covers: HMX-VTA-158 HMX-VTA-159 HMX-VTA-162
TEST_F(ExposedBatch, BudgetStoppedCopiesAreRetriedNotFailed) {
  init();
  link.set_copy_budget(6);  // one 4-byte entry per call (the first always runs)
  char in[3][4] = {};
  for (uint16_t i = 0; i < 3; ++i) {
    const expose_result w = link.driver().expose(in[i], 4, HMX_EXPOSE_WRITE, 1);
    send(exposed(0, i, 730 + i, 0, 4, {{w.handle, 4}}));
  }
  EXPECT_TRUE(used(replies()).empty());
  uint64_t calls = link.device().stats().copy_calls;
  con.input("abcdefghijkl");
  auto u = used(replies());
  ASSERT_EQ(u.size(), 3u);
  for (const used_msg& m : u) {
    EXPECT_EQ(m.flags, 0u) << m.tag;
    EXPECT_EQ(m.written, 4u) << m.tag;
  }
  EXPECT_EQ(std::string(in[0], 4) + std::string(in[1], 4) + std::string(in[2], 4), "abcdefghijkl");
  EXPECT_EQ(link.device().stats().copy_calls - calls, 3u) << "stopped twice by the budget";
  EXPECT_EQ(host.stats().exposure_errors, 0u);
  EXPECT_EQ(link.driver().live_exposures(), 0u) << "each deposited exactly once";
  // Fetches too: three readable segments, three calls, all served.
  const std::string a = "1234", b = "5678", c = "9abc";
  const expose_result xa = link.driver().expose(a.data(), 4, HMX_EXPOSE_READ, 1);
  const expose_result xb = link.driver().expose(b.data(), 4, HMX_EXPOSE_READ, 1);
  const expose_result xc = link.driver().expose(c.data(), 4, HMX_EXPOSE_READ, 1);
  calls = link.device().stats().copy_calls;
  send(exposed(1, 0, 740, 12, 0, {{xa.handle, 4}, {xb.handle, 4}, {xc.handle, 4}}));
  u = used(replies());
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].flags, 0u);
  EXPECT_EQ(con.output(), "123456789abc");
  EXPECT_EQ(link.device().stats().copy_calls - calls, 3u);
  EXPECT_EQ(link.driver().live_exposures(), 0u);
}

struct ExposedRequestNotNegotiated : ExposedRequest {
  ExposedRequestNotNegotiated() : ExposedRequest(false) {}
};

// covers: HMX-VTA-154
TEST_F(ExposedRequestNotNegotiated, AnExposedAvailIsAProtocolError) {
  init();
  const std::string a = "no";
  const expose_result x = link.driver().expose(a.data(), 2, HMX_EXPOSE_READ, 1);
  send(exposed(1, 0, 300, 2, 0, {{x.handle, 2}}));
  EXPECT_TRUE(used(replies()).empty());
  EXPECT_TRUE(host.core().needs_reset());
  EXPECT_EQ(link.driver().live_exposures(), 1u) << "nothing fetched";
  EXPECT_EQ(con.output(), "");
}

// covers: HMX-VTA-155
TEST_F(ExposedRequest, SegmentsThatDoNotMatchTheTotalsAreAProtocolError) {
  init();
  const std::string a = "abc";
  const expose_result x = link.driver().expose(a.data(), 3, HMX_EXPOSE_READ, 1);
  send(exposed(1, 0, 400, 4, 0, {{x.handle, 3}}));
  EXPECT_TRUE(used(replies()).empty());
  EXPECT_TRUE(host.core().needs_reset());
  EXPECT_EQ(link.driver().live_exposures(), 1u);
}

}  // namespace
}  // namespace hmx::virtio_argo::device
