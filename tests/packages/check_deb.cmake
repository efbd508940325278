# SPDX-License-Identifier: Apache-2.0
# ctest package.deb: cpack -G DEB builds hmx-dev, hmx-tools and hmx-doc from this build; each is
# unpacked with dpkg -x into one temporary root (no installation, no root rights), and from that
# root only:
#   - hmx-conformance --target reference runs (installed/check_tools.cmake)
#   - the two consumers build and run (consumers/check_consumers.cmake)
# then lintian checks each package: every tag it reports must be explained in
# docs/guide-packaging.md (skipped, loudly, without lintian).
# Arguments: -DBUILD_DIR -DSOURCE_DIR -DWORK_DIR -DCC -DCXX -DCPACK
cmake_minimum_required(VERSION 3.25)
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${ARGN}\n${out}\n${err}")
  endif()
  set(run_output "${out}${err}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/debs ${WORK_DIR}/root)
run("cpack -G DEB" ${CPACK} -G DEB --config ${BUILD_DIR}/CPackConfig.cmake -B ${WORK_DIR}/debs)
set(debs "")
foreach(pkg hmx-dev hmx-tools hmx-doc)
  file(GLOB deb ${WORK_DIR}/debs/${pkg}_*.deb)
  if(NOT deb)
    message(FATAL_ERROR "cpack did not produce ${pkg}_*.deb in ${WORK_DIR}/debs")
  endif()
  run("dpkg -x ${deb}" dpkg -x ${deb} ${WORK_DIR}/root)
  run("dpkg-deb --info ${deb}" dpkg-deb --info ${deb})
  message(STATUS "${pkg}: ${deb}")
  list(APPEND debs ${deb})
endforeach()

set(root ${WORK_DIR}/root/usr)
run("hmx-conformance from the unpacked hmx-tools"
    ${CMAKE_COMMAND} -DBUILD_DIR=${BUILD_DIR} -DWORK_DIR=${WORK_DIR}/tools -DPREFIX=${root}
    -P ${SOURCE_DIR}/tests/installed/check_tools.cmake)
message(STATUS "hmx-conformance --target reference passed from ${root}")
run("consumers against the unpacked hmx-dev"
    ${CMAKE_COMMAND} -DBUILD_DIR=${BUILD_DIR} -DSOURCE_DIR=${SOURCE_DIR} -DWORK_DIR=${WORK_DIR}/consumers
    -DPREFIX=${root} -DCC=${CC} -DCXX=${CXX} -P ${SOURCE_DIR}/tests/consumers/check_consumers.cmake)
message(STATUS "both consumers built and ran against ${root}")

find_program(LINTIAN lintian)
if(NOT LINTIAN)
  message("SKIPPED: lintian not found (apt-get install lintian); the packages themselves passed")
  return()
endif()
file(READ ${SOURCE_DIR}/docs/guide-packaging.md explained)
execute_process(COMMAND ${LINTIAN} --no-tag-display-limit ${debs} OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(WRITE ${WORK_DIR}/lintian.txt "${out}${err}")
string(REGEX MATCHALL "(^|\n)[EWIPX]: [^\n]*" lines "${out}")
set(unexplained 0)
foreach(line ${lines})
  string(STRIP "${line}" line)
  string(REGEX MATCH "^[EWIPX]: [a-z0-9.+-]+( [a-z]+)?: ([a-z0-9.+-]+)" _ "${line}")
  set(tag "${CMAKE_MATCH_2}")
  if(tag STREQUAL "")
    continue()
  endif()
  string(FIND "${explained}" "`${tag}`" at)
  if(at LESS 0)
    message("UNEXPLAINED lintian tag: ${line}")
    math(EXPR unexplained "${unexplained} + 1")
  endif()
endforeach()
list(LENGTH lines n)
if(unexplained GREATER 0)
  message(FATAL_ERROR "lintian: ${unexplained} tag(s) not explained in docs/guide-packaging.md "
                      "(full output: ${WORK_DIR}/lintian.txt)")
endif()
message(STATUS "lintian: ${n} tag(s), each explained in docs/guide-packaging.md")
