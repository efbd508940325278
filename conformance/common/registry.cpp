// SPDX-License-Identifier: Apache-2.0
// The registered tests (registry.h). A fixed table: guest images have no heap, and static
// registration objects run from the runtime's init_array before guest_main.
#include "conformance/registry.h"

namespace conformance {

namespace {

constexpr unsigned kMaxTests = 256;
const test_case* g_sorted[kMaxTests];
test_case g_tests[kMaxTests];
unsigned g_count = 0;
bool g_sorted_ok = false;

bool is_teardown(const char* name) {
  const char* p = "teardown_";
  for (; *p != '\0'; ++p, ++name)
    if (*name != *p) return false;
  return true;
}

int compare_names(const char* a, const char* b) {
  for (; *a != '\0' && *a == *b; ++a, ++b) {
  }
  return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}

// Teardown tests last (they end the peer), otherwise by name: a stable order on every target.
bool before(const test_case* a, const test_case* b) {
  const bool ta = is_teardown(a->name), tb = is_teardown(b->name);
  if (ta != tb) return tb;
  return compare_names(a->name, b->name) < 0;
}

}  // namespace

registration::registration(const char* name, const char* reqs, scope where,
                           void (*body)(context&)) noexcept {
  if (g_count == kMaxTests) return;  // the suite's own test (suite_selfcheck) notices
  g_tests[g_count++] = test_case{name, reqs, where, body};
  g_sorted_ok = false;
}

const test_case* const* all_tests(unsigned* count) noexcept {
  if (!g_sorted_ok) {
    for (unsigned i = 0; i < g_count; ++i) {
      const test_case* t = &g_tests[i];
      unsigned j = i;
      for (; j > 0 && before(t, g_sorted[j - 1]); --j) g_sorted[j] = g_sorted[j - 1];
      g_sorted[j] = t;
    }
    g_sorted_ok = true;
  }
  *count = g_count;
  return g_sorted;
}

}  // namespace conformance
