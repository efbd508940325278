# SPDX-License-Identifier: Apache-2.0
# ctest install.consumers: install the dev component of this build into a fresh prefix, then
# build the two out-of-tree consumers against that prefix only (never the source or build
# tree) and run their programs:
#   cmake/   find_package(hmx CONFIG): hmx::libhmx, hmx::reference, hmx::abi
#   make/    a plain Makefile with pkg-config: libhmx.pc, hmx-reference.pc, hmx-abi.pc
# Each builds hello_hmx (probe, register, send, receive through libhmx's loopback conduit into
# the installed reference core) and guest_call.o (freestanding C11, the ABI headers only).
# Arguments: -DBUILD_DIR -DSOURCE_DIR -DWORK_DIR -DCC -DCXX [-DPREFIX (an existing prefix: skip
# the install, e.g. a dpkg -x root)].
cmake_minimum_required(VERSION 3.25)
foreach(v BUILD_DIR SOURCE_DIR WORK_DIR CC CXX)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "check_consumers.cmake: -D${v} is required")
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
  set(PREFIX ${WORK_DIR}/prefix)
  run("cmake --install (component dev)"
      ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} --component dev)
endif()

# The program's own output is the check: probe found HMX, the vector fired, the message arrived.
function(check_hello exe label)
  run("${label}: hello_hmx" ${exe})
  foreach(line "probe: HMX present, this domain is 1" "interrupt: vector 0x40"
               "received from domain 2: hello, hmx")
    string(FIND "${run_output}" "${line}" at)
    if(at LESS 0)
      message(FATAL_ERROR "${label}: hello_hmx did not print \"${line}\":\n${run_output}")
    endif()
  endforeach()
  message(STATUS "${label}: hello_hmx OK")
endfunction()

# 1. CMake package. CMAKE_FIND_USE_PACKAGE_REGISTRY etc. off: only PREFIX may answer.
set(cm ${WORK_DIR}/cmake)
run("cmake consumer: configure"
    ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumers/cmake -B ${cm}
    -DCMAKE_C_COMPILER=${CC} -DCMAKE_CXX_COMPILER=${CXX}
    -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF -DCMAKE_BUILD_TYPE=Release)
file(READ ${cm}/CMakeCache.txt cache)
string(REGEX MATCH "hmx_DIR:PATH=([^\n]*)" _ "${cache}")
file(REAL_PATH "${CMAKE_MATCH_1}" found_dir)
file(REAL_PATH "${PREFIX}" real_prefix)
string(FIND "${found_dir}" "${real_prefix}/" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "cmake consumer found hmx in ${found_dir}, not under ${PREFIX}")
endif()
run("cmake consumer: build" ${CMAKE_COMMAND} --build ${cm})
check_hello(${cm}/hello_hmx "cmake consumer")

# 2. pkg-config and make, with the prefix's .pc files only.
find_program(MAKE_PROGRAM NAMES make gmake REQUIRED)
find_program(PKG_CONFIG_PROGRAM NAMES pkgconf pkg-config REQUIRED)
file(GLOB_RECURSE pc_files ${PREFIX}/*/hmx-abi.pc)
list(GET pc_files 0 pc_file)
get_filename_component(pc_dir ${pc_file} DIRECTORY)
set(mk ${WORK_DIR}/make)
file(MAKE_DIRECTORY ${mk})
run("make consumer: build"
    ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${pc_dir}
    ${MAKE_PROGRAM} -C ${SOURCE_DIR}/tests/consumers/make O=${mk} CC=${CC} CXX=${CXX}
    PKG_CONFIG=${PKG_CONFIG_PROGRAM})
check_hello(${mk}/hello_hmx "make consumer")
foreach(o ${mk}/guest_call.o)
  if(NOT EXISTS ${o})
    message(FATAL_ERROR "make consumer: ${o} was not built")
  endif()
endforeach()
message(STATUS "install.consumers: both consumers built against ${PREFIX} and ran")
