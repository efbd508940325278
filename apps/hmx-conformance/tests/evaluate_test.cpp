// SPDX-License-Identifier: Apache-2.0
// From runs to per-requirement statuses and exit codes (evaluate.h): kvm-unit-tests' 0/1/77.
#include <gtest/gtest.h>

#include "evaluate.h"
#include "unit_support.h"

namespace conformance::runner {
namespace {

using testing::parse_lines;
using testing::passing_run;
using testing::small_spec;

const req_report& find(const evaluation& ev, const std::string& id) {
  for (const auto& r : ev.reqs)
    if (r.req->id == id) return r;
  throw std::runtime_error("no " + id);
}

run_facts vm(int status) {
  run_facts f;
  f.target = target_kind::kvm;
  f.guest_status = status;
  return f;
}

TEST(Evaluate, EveryRequirementIsListed) {
  const spec_info spec = small_spec();
  const evaluation ev = evaluate(spec, parse_lines(passing_run()), vm(0), selection());
  ASSERT_EQ(ev.reqs.size(), 4u);
  EXPECT_EQ(find(ev, "HMX-RING-001").status, req_status::pass);
  EXPECT_EQ(find(ev, "HMX-DISC-003").status, req_status::pass);
  // The guest library is certified in-process, not by a VM target.
  EXPECT_EQ(find(ev, "HMX-LIB-001").status, req_status::not_tested);
  EXPECT_TRUE(ev.complete);
  EXPECT_EQ(ev.exit_code, 0);
}

TEST(Evaluate, FailureNamesTestAndCheckpoint) {
  auto lines = passing_run();
  lines[5] = "HMXC CHECK ring_a cp=4 req=HMX-RING-002 FAIL msg=register_ring len 40: got 0, want EINVAL";
  lines.insert(lines.begin() + 6, "HMXC RESULT ring_a FAIL cp=7 reqs=HMX-RING-001:P,HMX-RING-002:F msg=cp 4: x");
  lines.back() = "HMXC DONE pass=1 fail=1 skip=0 status=1";
  const spec_info spec = small_spec();
  const evaluation ev = evaluate(spec, parse_lines(lines), vm(1), selection());
  EXPECT_TRUE(ev.complete) << (ev.problems.empty() ? "" : ev.problems[0]);
  EXPECT_EQ(find(ev, "HMX-RING-001").status, req_status::pass);
  const req_report& f = find(ev, "HMX-RING-002");
  EXPECT_EQ(f.status, req_status::fail);
  EXPECT_EQ(f.fail_test, "ring_a");
  EXPECT_EQ(f.fail_checkpoint, 4u);
  EXPECT_EQ(f.fail_message, "register_ring len 40: got 0, want EINVAL");
  EXPECT_EQ(ev.exit_code, 1);
}

TEST(Evaluate, ShouldFailureIsAWarning) {
  auto lines = passing_run();
  lines[7] = "HMXC RESULT disc_b FAIL cp=2 reqs=HMX-DISC-003:F msg=cp 1: not the default base";
  lines.back() = "HMXC DONE pass=1 fail=1 skip=0 status=1";
  const spec_info spec = small_spec();
  const evaluation ev = evaluate(spec, parse_lines(lines), vm(1), selection());
  EXPECT_EQ(find(ev, "HMX-DISC-003").status, req_status::warning);
  EXPECT_EQ(ev.fail, 0u);
  EXPECT_EQ(ev.exit_code, 0);
}

TEST(Evaluate, HmxAbsentMeansNotSupportedAnd77) {
  const spec_info spec = small_spec();
  const run_log log = parse_lines({"HMXC BEGIN protocol=1 role=tester",
                                   "HMXC IDENT hmx=0 hv=1 hv_max=0x40000001 hv_sig=544347 vcpus=2 reason=HMX not present",
                                   "HMXC PLAN 1", "HMXC TEST ring_a reqs=HMX-RING-001",
                                   "HMXC RESULT ring_a SKIP cp=0 reqs=HMX-RING-001:S msg=HMX not present",
                                   "HMXC DONE pass=0 fail=0 skip=1 status=77"});
  run_facts facts = vm(77);
  facts.target = target_kind::qemu;
  const evaluation ev = evaluate(spec, log, facts, selection());
  for (const char* id : {"HMX-RING-001", "HMX-RING-002", "HMX-DISC-003"})
    EXPECT_EQ(find(ev, id).status, req_status::not_supported) << id;
  EXPECT_EQ(ev.exit_code, 77);
}

TEST(Evaluate, IncompleteRunsFail) {
  const spec_info spec = small_spec();
  auto lines = passing_run();
  lines.resize(6);  // the guest died after the first test
  lines.push_back("HMXC TEST disc_b reqs=HMX-DISC-003");
  run_facts facts = vm(0);
  facts.finished = false;
  facts.failure = "time limit";
  facts.guest_status.reset();
  const evaluation ev = evaluate(spec, parse_lines(lines), facts, selection());
  EXPECT_FALSE(ev.complete);
  EXPECT_EQ(ev.exit_code, 1);
  EXPECT_EQ(find(ev, "HMX-RING-001").status, req_status::pass);
  // The test that was running when the run ended fails its requirements (SHOULD: warning).
  EXPECT_EQ(find(ev, "HMX-DISC-003").status, req_status::warning);
  EXPECT_NE(find(ev, "HMX-DISC-003").fail_message.find("did not complete"), std::string::npos);
}

TEST(Evaluate, StatusMismatchAndPlanMismatchAreProblems) {
  const spec_info spec = small_spec();
  EXPECT_FALSE(evaluate(spec, parse_lines(passing_run()), vm(1), selection()).complete);
  auto lines = passing_run();
  lines[3] = "HMXC PLAN 3";
  const evaluation ev = evaluate(spec, parse_lines(lines), vm(0), selection());
  EXPECT_FALSE(ev.complete);
  EXPECT_EQ(ev.exit_code, 1);
}

TEST(Evaluate, NothingRunIs77ButNoBeginIs1) {
  const spec_info spec = small_spec();
  const evaluation none = evaluate(spec, parse_lines({}), vm(0), selection());
  EXPECT_EQ(none.exit_code, 1);  // no tester output at all is a broken run, not "not applicable"
  const evaluation skipped = evaluate(spec,
                                      parse_lines({"HMXC BEGIN protocol=1 role=tester", "HMXC IDENT hmx=1 hv=1",
                                                   "HMXC PLAN 1", "HMXC TEST t reqs=HMX-RING-001",
                                                   "HMXC RESULT t SKIP cp=0 reqs=HMX-RING-001:S msg=no feature",
                                                   "HMXC DONE pass=0 fail=0 skip=1 status=77"}),
                                      vm(77), selection());
  EXPECT_EQ(find(skipped, "HMX-RING-001").status, req_status::not_supported);
  EXPECT_EQ(find(skipped, "HMX-RING-001").detail, "no feature");
  EXPECT_EQ(skipped.exit_code, 77);
}

TEST(Evaluate, SelectionLimitsWhatCounts) {
  auto lines = passing_run();
  lines[5] = "HMXC RESULT ring_a FAIL cp=7 reqs=HMX-RING-001:P,HMX-RING-002:F msg=x";
  lines.back() = "HMXC DONE pass=1 fail=1 skip=0 status=1";
  const spec_info spec = small_spec();
  const evaluation ev = evaluate(spec, parse_lines(lines), vm(1), selection({"HMX-DISC-*", "HMX-RING-001"}));
  EXPECT_EQ(find(ev, "HMX-RING-002").status, req_status::not_tested);
  EXPECT_EQ(find(ev, "HMX-RING-002").detail, "not selected (--only)");
  EXPECT_EQ(ev.exit_code, 0);
}

TEST(Evaluate, UntestedOutcomeCarriesItsReason) {
  const spec_info spec = small_spec();
  const run_log log = parse_lines({"HMXC BEGIN protocol=1 role=tester", "HMXC IDENT hmx=1 hv=1", "HMXC PLAN 1",
                                   "HMXC TEST t reqs=HMX-RING-001",
                                   "HMXC RESULT t SKIP cp=0 reqs=HMX-RING-001:N msg=needs the host",
                                   "HMXC DONE pass=0 fail=0 skip=1 status=77"});
  const evaluation ev = evaluate(spec, log, vm(77), selection());
  EXPECT_EQ(find(ev, "HMX-RING-001").status, req_status::not_tested);
  EXPECT_EQ(find(ev, "HMX-RING-001").detail, "needs the host");
  EXPECT_EQ(ev.exit_code, 77);
}

TEST(Evaluate, ReferenceTargetCoversTheLibrary) {
  EXPECT_TRUE(in_scope(target_kind::reference, "GUEST_LIBRARY"));
  EXPECT_FALSE(in_scope(target_kind::kvm, "GUEST_LIBRARY"));
  EXPECT_TRUE(in_scope(target_kind::qemu, "HYPERVISOR"));
  EXPECT_FALSE(in_scope(target_kind::reference, "TRANSPORT_DEVICE"));
}

// A documented deviation (a hypervisor profile, the Xen targets): every failed check of the
// requirement matches an entry, and the requirement is neither PASS nor FAIL.
std::vector<std::string> deviating_run() {
  auto lines = passing_run();
  lines[5] = "HMXC CHECK ring_a cp=4 req=HMX-RING-002 FAIL msg=re-register: got ENOSPC (-28), want 0";
  lines.insert(lines.begin() + 6, "HMXC RESULT ring_a FAIL cp=7 reqs=HMX-RING-001:P,HMX-RING-002:F msg=cp 4: x");
  lines.back() = "HMXC DONE pass=1 fail=1 skip=0 status=1";
  return lines;
}

run_facts xen_with(std::vector<documented_deviation> profile) {
  run_facts f = vm(1);
  f.target = target_kind::xen;
  f.profile = std::move(profile);
  return f;
}

TEST(Evaluate, DocumentedDeviationIsNeitherPassNorFail) {
  const spec_info spec = small_spec();
  const evaluation ev = evaluate(
      spec, parse_lines(deviating_run()),
      xen_with({{"HMX-RING-002", "ring_a", "re-register:", "counts the ring again", "argo.c register_ring"}}),
      selection());
  const req_report& d = find(ev, "HMX-RING-002");
  EXPECT_EQ(d.status, req_status::deviation);
  ASSERT_EQ(d.deviations.size(), 1u);
  EXPECT_NE(d.deviations[0].find("counts the ring again"), std::string::npos);
  EXPECT_NE(d.deviations[0].find("ring_a checkpoint 4"), std::string::npos);
  EXPECT_EQ(ev.deviation, 1u);
  EXPECT_EQ(ev.fail, 0u);
  EXPECT_EQ(ev.exit_code, 0);
  EXPECT_STREQ(to_string(req_status::deviation), "DEVIATION");
}

TEST(Evaluate, AFailureTheProfileDoesNotNameStaysAFailure) {
  const spec_info spec = small_spec();
  const auto lines = deviating_run();
  // Another requirement, another test, another message, or no profile at all: FAIL.
  for (const documented_deviation& other :
       {documented_deviation{"HMX-RING-001", "ring_a", "re-register:", "x", "y"},
        documented_deviation{"HMX-RING-002", "ring_b", "re-register:", "x", "y"},
        documented_deviation{"HMX-RING-002", "ring_a", "register_ring len", "x", "y"}}) {
    const evaluation ev = evaluate(spec, parse_lines(lines), xen_with({other}), selection());
    EXPECT_EQ(find(ev, "HMX-RING-002").status, req_status::fail) << other.requirement << " " << other.test;
    EXPECT_EQ(ev.exit_code, 1);
  }
  const evaluation none = evaluate(spec, parse_lines(lines), xen_with({}), selection());
  EXPECT_EQ(find(none, "HMX-RING-002").status, req_status::fail);
  // One documented and one undocumented failure of the same requirement: FAIL.
  auto two = lines;
  two.insert(two.begin() + 6, "HMXC CHECK ring_a cp=5 req=HMX-RING-002 FAIL msg=something else: got 1, want 0");
  const evaluation mixed = evaluate(
      spec, parse_lines(two), xen_with({{"HMX-RING-002", "ring_a", "re-register:", "x", "y"}}), selection());
  EXPECT_EQ(find(mixed, "HMX-RING-002").status, req_status::fail);
}

}  // namespace
}  // namespace conformance::runner
