# SPDX-License-Identifier: Apache-2.0
# conformance.qemu: stock QEMU has no HMX, so the tester image must say "HMX not present" and end
# cleanly: exit 77, and every HYPERVISOR requirement NOT SUPPORTED in the JSON report (docs/ARCHITECTURE.md
# "Tests": negative). Args: -DRUNNER= -DQEMU= -DOUT=
cmake_minimum_required(VERSION 3.25)
execute_process(
  COMMAND ${RUNNER} --target qemu --qemu ${QEMU} --timeout 120 --json ${OUT}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 77)
  message(FATAL_ERROR "hmx-conformance --target qemu exited ${rc}, expected 77")
endif()
file(READ ${OUT} json)
string(JSON present GET "${json}" hypervisor hmx present)
if(present)
  message(FATAL_ERROR "the report says HMX is present under stock QEMU")
endif()
string(JSON n LENGTH "${json}" requirements)
math(EXPR last "${n} - 1")
set(hyp 0)
foreach(i RANGE ${last})
  string(JSON target GET "${json}" requirements ${i} target)
  string(JSON status GET "${json}" requirements ${i} status)
  string(JSON id GET "${json}" requirements ${i} id)
  if(target STREQUAL "HYPERVISOR")
    math(EXPR hyp "${hyp} + 1")
    if(NOT status STREQUAL "NOT SUPPORTED")
      message(FATAL_ERROR "${id}: ${status}, expected NOT SUPPORTED under QEMU")
    endif()
  endif()
endforeach()
message("PASS: HMX not present; ${hyp} hypervisor requirements NOT SUPPORTED; exit 77")
