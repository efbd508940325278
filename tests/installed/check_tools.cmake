# SPDX-License-Identifier: Apache-2.0
# ctest install.tools: install the tools component of this build into a fresh prefix, move the
# prefix (an installed tree must not depend on where it was installed, nor on the build tree),
# and run hmx-conformance --target reference from there:
#   - --help shows the moved prefix's spec data, policy and guest images as defaults
#   - the reference target passes with them and writes its reports
# Arguments: -DBUILD_DIR -DWORK_DIR [-DPREFIX (an existing root, e.g. dpkg -x: no install, no move)]
cmake_minimum_required(VERSION 3.25)
foreach(v BUILD_DIR WORK_DIR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "check_tools.cmake: -D${v} is required")
  endif()
endforeach()

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${ARGN}\n${out}\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
if(NOT PREFIX)
  run("cmake --install (component tools)"
      ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/installed --component tools)
  file(RENAME ${WORK_DIR}/installed ${WORK_DIR}/moved)
  set(PREFIX ${WORK_DIR}/moved)
endif()
file(REAL_PATH ${PREFIX} PREFIX)

set(exe ${PREFIX}/bin/hmx-conformance)
run("hmx-conformance --help" ${exe} --help)
foreach(opt "--spec-dir TEXT=${PREFIX}/share/hmx/spec"
            "--policy TEXT=${PREFIX}/share/hmx/conformance/policy.textproto"
            "--image-dir TEXT=${PREFIX}/share/hmx/guests")
  string(FIND "${run_output}" "${opt}" at)
  if(at LESS 0)
    message(FATAL_ERROR "installed hmx-conformance --help does not show \"${opt}\":\n${run_output}")
  endif()
endforeach()
foreach(img hmx-conformance-tester.elf hmx-conformance-peer.elf)
  if(NOT EXISTS ${PREFIX}/share/hmx/guests/${img})
    message(FATAL_ERROR "guest image ${img} is not installed under ${PREFIX}/share/hmx/guests")
  endif()
endforeach()

# Whether every requirement passes is conformance.reference's question; this one asks whether
# the installed runner completes a run with the installed data: exit 0 or 1 (a requirement
# failed), a complete run over every requirement of the installed spec data, both reports.
file(MAKE_DIRECTORY ${WORK_DIR}/report)
execute_process(COMMAND ${exe} --target reference --summary --json ${WORK_DIR}/report/report.json --timeout 240
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(NOT (rc EQUAL 0 OR rc EQUAL 1))
  message(FATAL_ERROR "installed hmx-conformance --target reference failed to run (${rc}):\n${err}")
endif()
foreach(f report.json report.html)
  if(NOT EXISTS ${WORK_DIR}/report/${f})
    message(FATAL_ERROR "hmx-conformance did not write ${WORK_DIR}/report/${f}")
  endif()
endforeach()
file(READ ${WORK_DIR}/report/report.json report)
string(JSON complete GET "${report}" run complete)
string(JSON count LENGTH "${report}" requirements)
if(NOT complete OR count LESS 1)
  message(FATAL_ERROR "the installed run is incomplete (complete=${complete}, ${count} requirements)")
endif()
message(STATUS "install.tools: hmx-conformance --target reference ran from ${PREFIX}: ${count} requirements, exit ${rc}")
