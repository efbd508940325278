// SPDX-License-Identifier: Apache-2.0
// hmx-bench's figures without a VM: ratios as median, min and max of per-run ratios, and issue
// 15's virtio-argo figures under their stable names from a hmx-vta-bench report.
#include <gtest/gtest.h>

#include "../src/report.h"

namespace hmx::kvm::bench {
namespace {

guest_figure fig(const std::string& name, uint64_t ops, uint64_t cycles, uint64_t msgs = 1, uint64_t bytes = 0) {
  guest_figure f;
  f.name = name;
  f.ops = ops;
  f.cycles = cycles;
  f.msgs = msgs;
  f.bytes = bytes;
  return f;
}

const ratio* named(const std::vector<ratio>& v, const std::string& name) {
  for (const auto& r : v)
    if (r.name == name) return &r;
  return nullptr;
}

TEST(Targets, ReadTheirOperator) {
  EXPECT_TRUE(meets(1.15, "<= 1.15"));
  EXPECT_FALSE(meets(1.16, "<= 1.15"));
  EXPECT_TRUE(meets(0.75, ">= 0.75"));
  EXPECT_FALSE(meets(3, "< 3"));
  EXPECT_FALSE(meets(1, "about 1"));
}

TEST(Ratios, AreTheMedianOfPerRunRatiosWithTheirRange) {
  bench_data d;
  d.tsc_hz = 1e9;
  d.runs = 3;
  // null / raw_exit per run: 1.0, 1.2, 0.9 -> median 1.0, min 0.9, max 1.2.
  for (uint64_t null_cycles : {1000u, 1200u, 900u})
    d.per_run.push_back({fig("raw_exit", 1, 1000), fig("null", 1, null_cycles)});
  const std::vector<ratio> r = compute_ratios(d);
  const ratio* exit = named(r, "R_exit");
  ASSERT_NE(exit, nullptr);
  EXPECT_DOUBLE_EQ(exit->value, 1.0);
  EXPECT_DOUBLE_EQ(exit->min, 0.9);
  EXPECT_DOUBLE_EQ(exit->max, 1.2);
  EXPECT_EQ(exit->runs, 3u);
  EXPECT_TRUE(exit->met);
  EXPECT_EQ(named(r, "R_copy"), nullptr);  // no figure, no ratio
}

TEST(Ratios, AsyncGainIsTheSubmissionQueueBesideTheBatchPath) {
  bench_data d;
  d.tsc_hz = 1e9;
  d.runs = 1;
  // One sendv per exit: 100 messages in 100 us; batched: 3200 in 100 us (gain 32); the
  // submission queue: 10 submit exits of 1000 messages in 100 us (gain 100).
  d.per_run.push_back({fig("sendv_64", 100, 100000, 1, 64), fig("batch_64", 100, 100000, 32, 64),
                       fig("submit_64", 10, 100000, 1000, 64)});
  const std::vector<ratio> r = compute_ratios(d);
  const ratio* batching = named(r, "batching_gain");
  const ratio* async = named(r, "async_gain");
  ASSERT_NE(batching, nullptr);
  ASSERT_NE(async, nullptr);
  EXPECT_DOUBLE_EQ(batching->value, 32.0);
  EXPECT_DOUBLE_EQ(async->value, 100.0);
  EXPECT_TRUE(async->met);  // issue 15's target is 50
  EXPECT_NE(async->note.find("submission queue"), std::string::npos);
  EXPECT_EQ(to_json(*async)["note"], async->note);
}

// The polling worker's path (sqpoll_64, ops = messages) beside the exit-driven queue: the gain is
// the better of the two, the note gives both with the sender's exits per message.
TEST(Ratios, AsyncGainIsTheBestQueuePathAndTheNoteGivesBoth) {
  bench_data d;
  d.tsc_hz = 1e9;
  d.runs = 1;
  d.per_run.push_back({fig("sendv_64", 100, 100000, 1, 64), fig("submit_64", 10, 100000, 1000, 64),
                       fig("sqpoll_64", 20000, 100000, 1, 64)});
  d.guest = d.per_run.front();
  phase_cost exit_driven, polled;
  exit_driven.figure = "submit_64";
  exit_driven.sender_calls = 10;
  polled.figure = "sqpoll_64";
  polled.sender_calls = 4;
  d.phases = {exit_driven, polled};
  const std::vector<ratio> r = compute_ratios(d);
  const ratio* async = named(r, "async_gain");
  ASSERT_NE(async, nullptr);
  EXPECT_DOUBLE_EQ(async->value, 200.0);
  EXPECT_NE(async->note.find("submit_64 (exit-driven drain) 100000000 msgs/s (100.0 x sendv_64), 0.0010 sender exits/msg"),
            std::string::npos) << async->note;
  EXPECT_NE(async->note.find("sqpoll_64 (polling worker) 200000000 msgs/s (200.0 x sendv_64), 0.0002 sender exits/msg"),
            std::string::npos) << async->note;
}

TEST(Ratios, AsyncGainFallsBackToTheBatchingGainWithoutAQueueFigureAndSaysSo) {
  bench_data d;
  d.tsc_hz = 1e9;
  d.runs = 1;
  d.per_run.push_back({fig("sendv_64", 100, 100000, 1, 64), fig("batch_64", 100, 100000, 32, 64)});
  const std::vector<ratio> r = compute_ratios(d);
  const ratio* async = named(r, "async_gain");
  ASSERT_NE(async, nullptr);
  EXPECT_DOUBLE_EQ(async->value, 32.0);
  EXPECT_FALSE(async->met);
  EXPECT_NE(async->note.find("SUBMIT_QUEUE not offered"), std::string::npos);
}

TEST(VirtioFigures, ComeFromTheVtaReportUnderStableNames) {
  const nlohmann::json vta = nlohmann::json::parse(R"({
    "ratios": [
      {"backend": "builtin", "where": "vm", "size": 65536, "op": "both", "argo_over_shm": 0.8, "paired": [0.7, 0.8, 0.95]},
      {"backend": "builtin", "where": "vm", "size": 65536, "op": "write", "argo_over_shm": 0.1, "paired": [0.1]},
      {"backend": "qsd", "where": "vm", "size": 65536, "op": "both", "argo_over_shm": 0.2, "paired": [0.2]},
      {"backend": "builtin", "where": "vm-p50", "size": 65536, "op": "both", "argo_over_shm": 0.92, "paired": [0.92]},
      {"backend": "builtin", "where": "inproc", "size": 65536, "op": "both", "argo_over_shm": 0.5, "paired": [0.5]},
      {"backend": "builtin", "where": "inproc", "size": 4096, "op": "both", "argo_over_shm": 0.3, "paired": [0.3]}
    ],
    "figures": [
      {"where": "vm", "path": "argo", "op": "write", "size": 65536, "exits_per_request_runs": [0.2, 0.3],
       "core_bytes_per_byte_runs": [1.001]},
      {"where": "vm", "path": "argo", "op": "read", "size": 65536, "exits_per_request_runs": [0.05],
       "core_bytes_per_byte_runs": [2.01]},
      {"where": "vm", "path": "shm", "op": "read", "size": 65536, "exits_per_request_runs": [9.0]}
    ]})");
  // Without an exposure figure copies_per_byte is the data path's: core plus driver copies per run.
  const std::vector<ratio> v = virtio_figures(vta);
  nlohmann::json j;
  add_virtio_figures(j, v, true);
  EXPECT_DOUBLE_EQ(j["isolation"]["vm_64k"]["value"].get<double>(), 0.8);
  EXPECT_DOUBLE_EQ(j["isolation"]["vm_64k"]["min"].get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(j["isolation"]["vm_64k"]["max"].get<double>(), 0.95);
  EXPECT_EQ(j["isolation"]["vm_64k"]["met"], false);
  EXPECT_DOUBLE_EQ(j["isolation"]["vm_poll_64k"]["value"].get<double>(), 0.92);
  EXPECT_EQ(j["isolation"]["vm_poll_64k"]["met"], true);
  EXPECT_DOUBLE_EQ(j["isolation"]["inproc_64k"]["value"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["isolation"]["inproc_4k"]["value"].get<double>(), 0.3);
  EXPECT_EQ(j["isolation"]["inproc_4k"]["target"], ">= 0.6");
  // Write and read runs of the argo VM figure together; the shm figure does not count.
  EXPECT_DOUBLE_EQ(j["virtio"]["exits_per_request"]["value"].get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(j["virtio"]["exits_per_request"]["max"].get<double>(), 0.3);
  EXPECT_DOUBLE_EQ(j["virtio"]["copies_per_byte"]["max"].get<double>(), 2.01);
  EXPECT_EQ(j["virtio"]["exits_per_request"]["measured"], true);
}

// The exposure path is the best path where it was measured: its core and driver copies of one run
// are added; the data path's figure goes into the note.
TEST(VirtioFigures, CopiesPerByteAddsTheDriversCopiesAndPrefersTheExposurePath) {
  const nlohmann::json vta = nlohmann::json::parse(R"({
    "figures": [
      {"where": "vm", "path": "argo", "op": "read", "size": 65536,
       "core_bytes_per_byte_runs": [1.001, 1.002], "driver_copies_per_byte_runs": [1.0, 1.0]},
      {"where": "vm", "path": "argo-exposed", "op": "read", "size": 65536,
       "core_bytes_per_byte_runs": [1.002, 1.004], "driver_copies_per_byte_runs": [0.0, 0.0]}
    ]})");
  const std::vector<ratio> v = virtio_figures(vta);
  nlohmann::json j;
  add_virtio_figures(j, v, true);
  EXPECT_DOUBLE_EQ(j["virtio"]["copies_per_byte"]["min"].get<double>(), 1.002);
  EXPECT_DOUBLE_EQ(j["virtio"]["copies_per_byte"]["max"].get<double>(), 1.004);
  EXPECT_EQ(j["virtio"]["copies_per_byte"]["met"], true);
  const auto data_only = nlohmann::json::parse(R"({"figures": [
      {"where": "vm", "path": "argo", "op": "read", "size": 65536,
       "core_bytes_per_byte_runs": [1.001], "driver_copies_per_byte_runs": [1.0]}]})");
  nlohmann::json k;
  add_virtio_figures(k, virtio_figures(data_only), true);
  EXPECT_DOUBLE_EQ(k["virtio"]["copies_per_byte"]["value"].get<double>(), 2.001);
  EXPECT_EQ(k["virtio"]["copies_per_byte"]["met"], false);
}

// The isolation ratios in VMs and exits per request report the exposure window where hmx-vta-bench
// measured it (the driver's default path), the data path in the note; in-process figures have no
// exposure path and stay the data path's.
TEST(VirtioFigures, IsolationAndExitsPreferTheExposureWindow) {
  const nlohmann::json vta = nlohmann::json::parse(R"({
    "ratios": [
      {"backend": "builtin", "path": "argo", "where": "vm", "size": 65536, "op": "both", "argo_over_shm": 0.5, "paired": [0.5]},
      {"backend": "builtin", "path": "argo-exposed", "where": "vm", "size": 65536, "op": "both", "argo_over_shm": 0.95,
       "paired": [0.93, 0.95, 0.97]},
      {"backend": "builtin", "path": "argo", "where": "inproc", "size": 65536, "op": "both", "argo_over_shm": 0.6, "paired": [0.6]}
    ],
    "figures": [
      {"where": "vm", "path": "argo", "op": "write", "size": 65536, "exits_per_request_runs": [0.125]},
      {"where": "vm", "path": "argo-exposed", "op": "write", "size": 65536, "exits_per_request_runs": [0.06, 0.07]}
    ]})");
  const std::vector<ratio> v = virtio_figures(vta);
  nlohmann::json j;
  add_virtio_figures(j, v, true);
  EXPECT_DOUBLE_EQ(j["isolation"]["vm_64k"]["value"].get<double>(), 0.95);
  EXPECT_DOUBLE_EQ(j["isolation"]["vm_64k"]["min"].get<double>(), 0.93);
  EXPECT_EQ(j["isolation"]["vm_64k"]["met"], true);
  EXPECT_DOUBLE_EQ(j["isolation"]["inproc_64k"]["value"].get<double>(), 0.6);
  EXPECT_DOUBLE_EQ(j["virtio"]["exits_per_request"]["max"].get<double>(), 0.07);
  EXPECT_EQ(j["virtio"]["exits_per_request"]["met"], true);
  auto note = [&v](const std::string& name) {
    for (const ratio& r : v)
      if (r.name == name) return r.note;
    return std::string("(no such figure)");
  };
  EXPECT_NE(note("isolation.vm_64k").find("data path beside it: 0.500"), std::string::npos) << note("isolation.vm_64k");
  EXPECT_EQ(note("isolation.inproc_64k"), "data path");
  EXPECT_NE(note("virtio.exits_per_request").find("0.125"), std::string::npos) << note("virtio.exits_per_request");
}

TEST(VirtioFigures, WithoutAReportEveryNameIsThereAndUnmeasured) {
  nlohmann::json j;
  add_virtio_figures(j, virtio_figures(nullptr), false);
  for (const char* group : {"isolation", "virtio"})
    for (const auto& [name, e] : j[group].items()) {
      EXPECT_TRUE(e["value"].is_null()) << name;
      EXPECT_EQ(e["measured"], false) << name;
      EXPECT_EQ(e["met"], false) << name;
      EXPECT_TRUE(e.contains("target") && e.contains("min") && e.contains("max")) << name;
    }
  EXPECT_EQ(j["isolation"].size(), 4u);
  EXPECT_EQ(j["virtio"].size(), 2u);
}

}  // namespace
}  // namespace hmx::kvm::bench
