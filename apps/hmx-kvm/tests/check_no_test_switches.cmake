# SPDX-License-Identifier: Apache-2.0
# ctest architecture.no_test_switches: cmake -DNM=nm -DCLEAN=<hmx-kvm> -DCONTROL=<a binary that
# links hmx_reference_testable> -P check_no_test_switches.cmake
#
# A symbol of namespace hmx::ref::testing (test_switches.h) in CLEAN fails the test; the same
# search must find such symbols in CONTROL, or the search itself is broken.
function(switch_symbols binary out)
  execute_process(COMMAND ${NM} -C ${binary} OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} -C ${binary} failed (${rc})")
  endif()
  string(REGEX MATCHALL "[^\n]*hmx::ref::testing::[^\n]*" found "${syms}")
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

switch_symbols(${CONTROL} control)
list(LENGTH control n_control)
if(n_control EQUAL 0)
  message(FATAL_ERROR "no hmx::ref::testing symbol in ${CONTROL}: the search finds nothing, fix it")
endif()
switch_symbols(${CLEAN} clean)
list(LENGTH clean n_clean)
if(n_clean GREATER 0)
  string(REPLACE ";" "\n  " lines "${clean}")
  message(FATAL_ERROR "${CLEAN} carries ${n_clean} test-switch symbol(s):\n  ${lines}")
endif()
message("no test-switch symbol in ${CLEAN} (${n_control} in the control ${CONTROL})")
