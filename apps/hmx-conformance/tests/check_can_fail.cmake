# SPDX-License-Identifier: Apache-2.0
# conformance.can_fail: the suite can fail. For each test switch of the reference core
# (adapters/reference/include/hmx/reference/test_switches.h), run the suite in-process with that
# one check turned off and require that exactly the requirements covering the check FAIL.
# Args: -DRUNNER= -DOUT_DIR=
cmake_minimum_required(VERSION 3.25)

# "<check>:<the requirements whose tests observe it, sorted, comma-separated>"
set(cases
  "sendv_source_domain:HMX-MAC-007,HMX-MECH-008,HMX-SEND-002"
  "notify_entry_limit:HMX-MECH-008,HMX-NOTIFY-002")

set(failures 0)
foreach(case IN LISTS cases)
  string(REPLACE ":" ";" parts "${case}")
  list(GET parts 0 check)
  list(GET parts 1 expected)
  string(REPLACE "," ";" expected "${expected}")
  set(json ${OUT_DIR}/can_fail-${check}.json)
  execute_process(
    COMMAND ${RUNNER} --target reference --timeout 300 --disable-check ${check} --json ${json}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 1)
    message("${out}${err}")
    message(SEND_ERROR "${check}: hmx-conformance exited ${rc}, expected 1 (a failure)")
    math(EXPR failures "${failures} + 1")
    continue()
  endif()
  file(READ ${json} report)
  string(JSON n LENGTH "${report}" requirements)
  math(EXPR last "${n} - 1")
  set(failed "")
  foreach(i RANGE ${last})
    string(JSON status GET "${report}" requirements ${i} status)
    if(status STREQUAL "FAIL")
      string(JSON id GET "${report}" requirements ${i} id)
      list(APPEND failed ${id})
    endif()
  endforeach()
  list(SORT failed)
  if(NOT failed STREQUAL expected)
    message(SEND_ERROR "${check}: FAIL set is [${failed}], expected [${expected}]")
    math(EXPR failures "${failures} + 1")
  else()
    message("PASS: with ${check} off exactly [${failed}] fail")
  endif()
endforeach()
if(failures GREATER 0)
  message(FATAL_ERROR "${failures} case(s) did not fail as expected")
endif()
