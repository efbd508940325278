# SPDX-License-Identifier: MIT
# libhmx.freestanding.<ARCH>: compile freestanding/guest.cpp the way a guest image is compiled,
# prove that it needs nothing from a C or C++ runtime, and check the privileged instructions'
# encodings in the linked image.
#
#   -DARCH=x86_64|aarch64 -DCXX=... -DNM=... -DOBJDUMP=... -DSRC=... -DRUNTIME=...
#   -DINCLUDES=dir|dir -DWORK_DIR=...
#
# Steps: (1) compile guest.cpp with -ffreestanding -nostdlib -fno-exceptions -fno-rtti -O2
# (aarch64: -mgeneral-regs-only -mno-outline-atomics -mstrict-align, docs/ARCHITECTURE.md "Facts of the machines");
# (2) `nm -u` of the object may list only memcpy/memset/memmove, which a guest runtime provides;
# (3) link it with runtime.cpp, -nostdlib -static and entry hmx_guest_entry: no undefined symbol
# may remain; (4) the disassembly must contain each instruction's expected encoding.
cmake_minimum_required(VERSION 3.25)

foreach(v ARCH CXX NM OBJDUMP SRC RUNTIME INCLUDES WORK_DIR)
  if(NOT DEFINED ${v} OR "${${v}}" STREQUAL "")
    message(FATAL_ERROR "check.cmake: ${v} is not set")
  endif()
endforeach()

file(MAKE_DIRECTORY ${WORK_DIR})
string(REPLACE "|" ";" _incs "${INCLUDES}")
set(_flags -std=c++20 -ffreestanding -nostdlib -fno-exceptions -fno-rtti -O2
    -fno-stack-protector -fno-asynchronous-unwind-tables -Wall -Wextra -Werror)
foreach(d ${_incs})
  list(APPEND _flags -I${d})
endforeach()
if(ARCH STREQUAL "x86_64")
  list(APPEND _flags -fno-pie -mno-red-zone)
  set(_link_flags -no-pie)
  # wrmsr, cpuid, vmcall, vmmcall (Intel SDM Vol. 2 / AMD APM Vol. 3)
  set(_expect "0f 30[ \t]+wrmsr" "0f a2[ \t]+cpuid" "0f 01 c1[ \t]+vmcall" "0f 01 d9[ \t]+vmmcall")
elseif(ARCH STREQUAL "aarch64")
  list(APPEND _flags -mgeneral-regs-only -mno-outline-atomics -mstrict-align)
  set(_link_flags)
  # hvc #0 (SMCCC) and hvc #0xea1 (Xen): 0xD4000002 | imm16 << 5 (Arm ARM C6.2)
  set(_expect "d4000002[ \t]+hvc[ \t]+#0x0" "d401d422[ \t]+hvc[ \t]+#0xea1")
else()
  message(FATAL_ERROR "check.cmake: unknown ARCH ${ARCH}")
endif()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "FAILED (${rc}): ${cmd}\n${out}\n${err}")
  endif()
  set(RUN_OUT "${out}" PARENT_SCOPE)
endfunction()

set(_obj ${WORK_DIR}/guest.o)
set(_rt ${WORK_DIR}/runtime.o)
set(_elf ${WORK_DIR}/guest.elf)
run(${CXX} ${_flags} -c ${SRC} -o ${_obj})
message(STATUS "compiled ${SRC} for ${ARCH} (freestanding)")

run(${NM} -u ${_obj})
string(REGEX MATCHALL "[^ \t\r\n]+" _syms "${RUN_OUT}")
list(REMOVE_ITEM _syms U)
set(_allowed memcpy memset memmove)
set(_bad)
foreach(s ${_syms})
  if(NOT s IN_LIST _allowed)
    list(APPEND _bad ${s})
  endif()
endforeach()
if(_bad)
  message(FATAL_ERROR "guest object needs symbols no freestanding guest has: ${_bad}")
endif()
message(STATUS "undefined in the object: ${_syms} (all provided by a guest runtime)")

run(${CXX} ${_flags} -fno-tree-loop-distribute-patterns -c ${RUNTIME} -o ${_rt})
run(${CXX} -nostdlib -static ${_link_flags} -Wl,-e,hmx_guest_entry ${_obj} ${_rt} -o ${_elf})
run(${NM} -u ${_elf})
string(STRIP "${RUN_OUT}" _left)
if(NOT _left STREQUAL "")
  message(FATAL_ERROR "linked image still has undefined symbols: ${_left}")
endif()
message(STATUS "linked ${_elf} with -nostdlib -static: no undefined symbols")

run(${OBJDUMP} -d ${_elf})
set(_dis "${RUN_OUT}")
foreach(e ${_expect})
  if(NOT _dis MATCHES "${e}")
    message(FATAL_ERROR "expected instruction encoding not found in the image: ${e}")
  endif()
  message(STATUS "encoding ok: ${e}")
endforeach()
