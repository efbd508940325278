// SPDX-License-Identifier: Apache-2.0
// xen_echo: the x86 dom0 the harness test boots under real Xen. It prints its start_info
// version and command line, a line longer than any console buffer, and exits with the status
// "status=N" of its command line; with "hang=1" it never exits (the time limit must end it).
#include <hmx_guest/cmdline.h>
#include <hmx_guest/runtime.h>

int guest_main(const hmx_guest::start_info& info) {
  using namespace hmx_guest;
  const char* line = cmdline_text(info);
  printf("xen_echo: start_info version %u, cmdline '%s'\n", info.version, line);
  char long_line[301];
  for (unsigned i = 0; i < 300; ++i) long_line[i] = static_cast<char>('a' + i % 26);
  long_line[300] = '\0';
  printf("%s\n", long_line);
  if (cmdline_uint(line, "hang", 0) != 0)
    for (;;) cpu_relax();
  return static_cast<int>(cmdline_uint(line, "status", 1));
}
