// SPDX-License-Identifier: Apache-2.0
// run_reference (reference_run.h).
#include "reference_run.h"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "hosted_platform.h"

namespace conformance::hosted {

namespace {

constexpr hmx::ref::DomainId kTesterId = 1, kPeerId = 2, kDeniedId = 3;
// The tester holds a MAX_RING_LEN ring in the limits test (16 MiB) besides everything else.
constexpr uint64_t kTesterRam = uint64_t{64} << 20;
constexpr uint64_t kAgentRam = uint64_t{16} << 20;
constexpr unsigned kVcpus = 2;

struct agent_domain {
  std::unique_ptr<hosted_platform> platform;
  std::unique_ptr<context> ctx;
  std::thread thread;
};

}  // namespace

reference_outcome run_reference(const reference_options& o) {
  reference_outcome out;
  // Shared state outlives this function when the tester hangs (timed_out): heap, never freed then.
  struct shared {
    std::mutex mu;
    std::vector<std::string> lines;
    hmx::ref::Policy policy;
    std::atomic<uint64_t> log_lines{0};
  };
  auto* st = new shared;
  std::string error;
  if (!st->policy.load_text(o.policy_text, &error, o.policy_origin)) {
    out.error = "policy: " + error;
    delete st;
    return out;
  }
  // Denials are expected here: count the log lines (HMX-MAC-006) instead of printing them.
  st->policy.set_logger([st](std::string_view) { st->log_lines.fetch_add(1); });
  auto* core = new hmx::ref::Core(st->policy);
  core->offer_exposures(true);  // the reference target offers EXPOSE (spec exposures)
  // The reference target offers every feature the core implements: the suite's own tests run here.
  core->offer_submit_queue(true);
  core->offer_event_idx(true);  // the reference target offers every feature the core implements

  auto tester_sink = [st](std::string_view l) {
    std::lock_guard g(st->mu);
    st->lines.emplace_back(l);
  };
  auto agent_sink = [log = o.agent_log](std::string_view l) {
    if (log) log(l);
  };
  auto* tester = new hosted_platform(*core, kTesterId, "tester", kTesterRam, kVcpus, tester_sink);
  agent_domain agents[2];
  const struct {
    hmx::ref::DomainId id;
    const char* name;
  } roles[2] = {{kPeerId, "peer"}, {kDeniedId, "denied"}};
  tester->set_log_counter(&st->log_lines);
  if (tester->attach() != 0) out.error = "cannot create the tester domain";
  for (int i = 0; i < 2 && out.error.empty(); ++i) {
    agents[i].platform = std::make_unique<hosted_platform>(*core, roles[i].id, roles[i].name, kAgentRam, kVcpus, agent_sink);
    if (agents[i].platform->attach() != 0) out.error = std::string("cannot create domain ") + roles[i].name;
  }
  if (!out.error.empty()) return out;  // leaks on purpose: a setup error ends the process

  for (auto& a : agents) {
    a.ctx = std::make_unique<context>(*a.platform, context::role::peer);
    a.thread = std::thread([&a] {
      (void)run_peer_agent(*a.ctx);
      a.platform->detach();  // the domain ends: the core tears its HMX state down
    });
  }

  auto* tctx = new context(*tester, context::role::tester);
  suite_options so = o.suite;
  so.target = "reference";
  auto result = std::make_shared<std::promise<int>>();
  std::future<int> done = result->get_future();
  std::thread([tctx, so, result] { result->set_value(run_tester(*tctx, so)); }).detach();

  if (done.wait_for(std::chrono::seconds(o.timeout_s)) != std::future_status::ready) {
    out.timed_out = true;
    std::lock_guard g(st->mu);
    out.lines = st->lines;
    return out;  // everything stays allocated: threads may still use it
  }
  out.status = done.get();
  for (auto& a : agents) a.platform->request_stop();
  for (auto& a : agents) a.thread.join();
  {
    std::lock_guard g(st->mu);
    out.lines = st->lines;
  }
  delete tctx;
  delete tester;
  for (auto& a : agents) {
    a.ctx.reset();
    a.platform.reset();
  }
  delete core;
  delete st;
  return out;
}

}  // namespace conformance::hosted
