/* SPDX-License-Identifier: Apache-2.0 */
// Running the suite on a target: the tester's sequence (IDENT, peer discovery, PLAN, each test,
// DONE; PROTOCOL.md) and the peer agent's command loop (peer_protocol.h).
#pragma once

#include <stdint.h>

#include "conformance/context.h"
#include "conformance/registry.h"

namespace conformance {

struct suite_options {
  // Which tests to run; nullptr: every test of the scopes below.
  bool (*want)(const test_case& t, void* user) = nullptr;
  void* user = nullptr;
  bool library_scope = false;     // also run scope::library tests (in-process target only)
  uint32_t discover_ms = 15000;   // how long to look for the peer and the denied domain
  const char* target = "guest";   // printed in BEGIN
};

// Returns the exit status: 0 all run tests passed, 1 a test failed, 77 nothing applicable
// (kvm-unit-tests' convention, lib/report.c report_summary()).
int run_tester(context& ctx, const suite_options& options) noexcept;

// The peer agent: returns its exit status (77 when HMX is absent).
int run_peer_agent(context& ctx) noexcept;

}  // namespace conformance
