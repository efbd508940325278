# SPDX-License-Identifier: Apache-2.0
# Runs the EL2 monitor under qemu-system-aarch64 (TCG) with a time limit and judges its console:
# the process exit code (the monitor's, through semihosting SYS_EXIT) and lines that must or must
# not appear. Skips loudly when QEMU is missing.
#
#   -DNAME=<test name> -DQEMU=<qemu-system-aarch64 or empty> -DMONITOR=<hmx-arm-monitor.elf>
#   -DSMP=<CPUs> -DMEM=<MiB> -DARGS=<the monitor's command line>  -DSECONDS=<QEMU time limit>
#   -DEXPECT_RC=<code>  -DEXPECT=<regex;...>  -DREJECT=<regex;...>  -DLOG=<console log file>
#   -DBARE=1: boot MONITOR (then a guest Image) at EL1 on a board without EL2 (no hypervisor)
if(NOT QEMU OR NOT EXISTS "${QEMU}")
  message("${NAME} SKIPPED: qemu-system-aarch64 not found (Debian package qemu-system-arm)")
  return()
endif()
if(NOT EXISTS "${MONITOR}")
  message(FATAL_ERROR "${NAME}: ${MONITOR} was not built")
endif()
if(NOT SECONDS)
  set(SECONDS 120)
endif()
separate_arguments(args UNIX_COMMAND "${ARGS}")
string(REPLACE ";" " " append "${args}")
set(machine virt,virtualization=on,gic-version=3)
if(BARE)
  set(machine virt,gic-version=3)
endif()
execute_process(
  COMMAND ${QEMU} -M ${machine} -cpu max -smp ${SMP} -m ${MEM}
          -display none -serial stdio -monitor none -semihosting -kernel ${MONITOR} -append "${append}"
  TIMEOUT ${SECONDS}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(WRITE ${LOG} "${out}${err}")
message("${out}${err}")
set(failures "")
if(NOT rc STREQUAL "${EXPECT_RC}")
  string(APPEND failures "  exit code ${rc}, expected ${EXPECT_RC}\n")
endif()
# EXPECT/REJECT arrive with [ and ] encoded as @LB@ and @RB@ (CMake lists do not split inside
# square brackets).
foreach(re ${EXPECT})
  string(REPLACE "@LB@" "[" re "${re}")
  string(REPLACE "@RB@" "]" re "${re}")
  if(NOT out MATCHES "${re}")
    string(APPEND failures "  missing: ${re}\n")
  endif()
endforeach()
foreach(re ${REJECT})
  string(REPLACE "@LB@" "[" re "${re}")
  string(REPLACE "@RB@" "]" re "${re}")
  if(out MATCHES "${re}")
    string(APPEND failures "  must not appear: ${re}\n")
  endif()
endforeach()
if(failures)
  message(FATAL_ERROR "${NAME} FAILED (log: ${LOG}):\n${failures}")
endif()
message("${NAME}: passed")
