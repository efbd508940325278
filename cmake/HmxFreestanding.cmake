# SPDX-License-Identifier: Apache-2.0
# The freestanding check (docs/ARCHITECTURE.md decision 7): code a guest image compiles in must
# build with -ffreestanding -nostdlib -fno-exceptions -fno-rtti, need nothing from a C or C++
# runtime beyond memcpy/memmove/memset, and, linked with nothing but those three, leave no symbol
# undefined. One module for every folder that makes that promise:
#
#   include(HmxFreestanding)
#   hmx_freestanding_check(<name>
#     [SOURCES <file>...]            translation units: *.c as C11, the rest as C++20
#     [HEADERS <root> <glob>]        each header <root>/<glob> (<root> an include directory, the
#                                    glob relative to it, e.g. hmx/abi/*.h) compiled alone and
#                                    included twice, as C++20; with C_HEADERS as C11 as well
#     [C_HEADERS]
#     [INCLUDE_TARGETS <target>...]  the include directories of these INTERFACE targets
#     [INCLUDES <dir>...]
#     [NOSTDINC]                     only the compiler's own headers (<stdint.h>, <stddef.h>)
#     [PEDANTIC]                     C -pedantic-errors, C++ -Wpedantic
#     [FLAGS <flag>...]              more compile flags
#     [LINK_ENTRY <symbol>]          link SOURCES with the runtime below, -nostdlib -static, entry
#                                    <symbol>: nothing may remain undefined
#     [LINK_RELOCATABLE]             link SOURCES into one relocatable object (ld -r) and check what
#                                    it needs as a whole (a library of several units)
#     [ALLOW_UNDEFINED <symbol>...]  what the code may need beyond memcpy/memmove/memset (a
#                                    monitor's own imports)
#     [EXPECT_X86_64 <regex>...]     encodings the x86-64 disassembly must contain
#     [EXPECT_AARCH64 <regex>...]    the same for aarch64
#     [ARCHES <arch>[=<ctest>]...])  x86_64 (default), x86_64-clang, aarch64; the ctest is
#                                    <name>.<arch> unless named
#
# An architecture whose compilers are missing gets a ctest that says SKIPPED and why (exit 77).
# The same file is the ctest's script: cmake -DCONFIG=<file written at generate time> -P it.
# The runtime is freestanding_runtime.cpp beside this file.

if(CMAKE_SCRIPT_MODE_FILE)
  cmake_minimum_required(VERSION 3.25)
  include(${CONFIG})
  file(MAKE_DIRECTORY ${HMX_FS_WORK_DIR})
  set(_failures 0)
  set(_objects "")

  set(_common -ffreestanding -nostdlib -O2 -fno-stack-protector -fno-asynchronous-unwind-tables
      -Wall -Wextra -Werror ${HMX_FS_FLAGS})
  foreach(dir ${HMX_FS_INCLUDES})
    list(APPEND _common -I${dir})
  endforeach()
  if(HMX_FS_ARCH STREQUAL "aarch64")
    # MMU off means Device memory: aligned accesses only (docs/ARCHITECTURE.md, Arm facts).
    list(APPEND _common -mgeneral-regs-only -mno-outline-atomics -mstrict-align)
  else()
    list(APPEND _common -fno-pie -mno-red-zone)
    set(_link_flags -no-pie)
  endif()
  set(_c_flags -std=c11 ${_common})
  set(_cxx_flags -std=c++20 -fno-exceptions -fno-rtti ${_common})
  if(HMX_FS_PEDANTIC)
    list(APPEND _c_flags -pedantic-errors)
    list(APPEND _cxx_flags -Wpedantic)
  endif()
  if(HMX_FS_NOSTDINC)
    execute_process(COMMAND ${HMX_FS_CXX} -print-file-name=include OUTPUT_VARIABLE _cxx_inc OUTPUT_STRIP_TRAILING_WHITESPACE)
    list(APPEND _cxx_flags -nostdinc -nostdinc++ -isystem ${_cxx_inc})
    if(HMX_FS_CC)
      execute_process(COMMAND ${HMX_FS_CC} -print-file-name=include OUTPUT_VARIABLE _cc_inc OUTPUT_STRIP_TRAILING_WHITESPACE)
      list(APPEND _c_flags -nostdinc -isystem ${_cc_inc})
    endif()
  endif()

  # Compiles one unit; a failure is counted and reported, and the next unit still compiles.
  function(_hmx_fs_compile lang src obj)
    if(lang STREQUAL "c")
      set(cmd ${HMX_FS_CC} -x c ${_c_flags})
    else()
      set(cmd ${HMX_FS_CXX} -x c++ ${_cxx_flags})
    endif()
    execute_process(COMMAND ${cmd} -c ${src} -o ${obj} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message("FAIL [${HMX_FS_ARCH} ${lang}] ${src}\n${out}${err}")
      math(EXPR n "${_failures} + 1")
      set(_failures ${n} PARENT_SCOPE)
    else()
      message("ok   [${HMX_FS_ARCH} ${lang}] ${src}")
      set(_objects ${_objects} ${obj} PARENT_SCOPE)
    endif()
  endfunction()

  function(_hmx_fs_run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      string(REPLACE ";" " " cmd "${ARGN}")
      message(FATAL_ERROR "FAILED (${rc}): ${cmd}\n${out}\n${err}")
    endif()
    set(_run_out "${out}" PARENT_SCOPE)
  endfunction()

  foreach(src ${HMX_FS_SOURCES})
    get_filename_component(base ${src} NAME_WE)
    get_filename_component(ext ${src} LAST_EXT)
    if(ext STREQUAL ".c")
      _hmx_fs_compile(c ${src} ${HMX_FS_WORK_DIR}/${base}_c.o)
    else()
      _hmx_fs_compile(c++ ${src} ${HMX_FS_WORK_DIR}/${base}_cxx.o)
    endif()
  endforeach()
  set(_unit_objects ${_objects})

  # Each header on its own: it must include what it needs and survive a second inclusion.
  if(HMX_FS_HEADER_DIR)
    file(GLOB headers RELATIVE ${HMX_FS_HEADER_DIR} ${HMX_FS_HEADER_DIR}/${HMX_FS_HEADER_GLOB})
    if(NOT headers)
      message(FATAL_ERROR "no headers match ${HMX_FS_HEADER_DIR}/${HMX_FS_HEADER_GLOB}")
    endif()
    foreach(h ${headers})
      string(MAKE_C_IDENTIFIER "${h}" id)
      set(tu ${HMX_FS_WORK_DIR}/only_${id}.c)
      file(WRITE ${tu} "#include <${h}>\n#include <${h}>\ntypedef int hmx_only_${id};\n")
      _hmx_fs_compile(c++ ${tu} ${HMX_FS_WORK_DIR}/only_${id}_cxx.o)
      if(HMX_FS_C_HEADERS)
        _hmx_fs_compile(c ${tu} ${HMX_FS_WORK_DIR}/only_${id}_c.o)
      endif()
    endforeach()
  endif()
  if(_failures GREATER 0)
    message(FATAL_ERROR "${_failures} freestanding compile(s) failed for ${HMX_FS_ARCH}")
  endif()

  # Several units of one library: what they need as a whole, after they resolve each other.
  if(HMX_FS_RELOCATABLE)
    list(REMOVE_ITEM _objects ${_unit_objects})
    _hmx_fs_run(${HMX_FS_CXX} -r -nostdlib -o ${HMX_FS_WORK_DIR}/relocatable.o ${_unit_objects})
    list(APPEND _objects ${HMX_FS_WORK_DIR}/relocatable.o)
  endif()

  # What the objects need from outside: only what every guest runtime provides.
  set(_allowed memcpy memset memmove ${HMX_FS_ENTRY} ${HMX_FS_ALLOW_UNDEFINED})
  foreach(obj ${_objects})
    _hmx_fs_run(${HMX_FS_NM} -u ${obj})
    string(REGEX MATCHALL "[^ \t\r\n]+" syms "${_run_out}")
    list(REMOVE_ITEM syms U)
    list(REMOVE_ITEM syms w)  # weak references: resolved to nothing when absent
    foreach(s ${syms})
      if(NOT s IN_LIST _allowed)
        set(name ${s})
        if(HMX_FS_CXXFILT)
          execute_process(COMMAND ${HMX_FS_CXXFILT} ${s} OUTPUT_VARIABLE name OUTPUT_STRIP_TRAILING_WHITESPACE)
        endif()
        message(FATAL_ERROR "${obj} needs ${s}, which no freestanding guest has (${name}; allowed: ${_allowed})")
      endif()
    endforeach()
  endforeach()
  list(LENGTH _objects n)
  message(STATUS "${HMX_FS_ARCH}: ${n} object(s) compiled freestanding, needing only ${_allowed}")

  if(HMX_FS_ENTRY)
    set(elf ${HMX_FS_WORK_DIR}/image.elf)
    set(rt ${HMX_FS_WORK_DIR}/runtime.o)
    set(rt_flags -fno-tree-loop-distribute-patterns)  # the byte loops must not become memcpy calls
    if(HMX_FS_CXX MATCHES "clang")
      set(rt_flags -fno-builtin)
    endif()
    _hmx_fs_run(${HMX_FS_CXX} ${_cxx_flags} ${rt_flags} -c ${HMX_FS_RUNTIME} -o ${rt})
    _hmx_fs_run(${HMX_FS_CXX} -nostdlib -static ${_link_flags} -Wl,-e,${HMX_FS_ENTRY} ${_unit_objects} ${rt} -o ${elf})
    _hmx_fs_run(${HMX_FS_NM} -u ${elf})
    string(STRIP "${_run_out}" left)
    if(NOT left STREQUAL "")
      message(FATAL_ERROR "the linked image still has undefined symbols: ${left}")
    endif()
    message(STATUS "linked ${elf} with -nostdlib -static: no undefined symbols")
    if(HMX_FS_EXPECT)
      _hmx_fs_run(${HMX_FS_OBJDUMP} -d ${elf})
      foreach(e ${HMX_FS_EXPECT})
        if(NOT _run_out MATCHES "${e}")
          message(FATAL_ERROR "expected instruction encoding not found in the image: ${e}")
        endif()
        message(STATUS "encoding ok: ${e}")
      endforeach()
    endif()
  endif()
  return()
endif()

# Set on every include, in the including directory's scope; the functions below are defined once.
set(HMX_FREESTANDING_MODULE ${CMAKE_CURRENT_LIST_FILE})
set(HMX_FREESTANDING_RUNTIME ${CMAKE_CURRENT_LIST_DIR}/freestanding_runtime.cpp)
include_guard(GLOBAL)

# The tools of one architecture: sets found, cc, cxx, nm, objdump and missing (what is not there).
function(_hmx_fs_tools arch)
  set(missing "")
  if(arch STREQUAL "x86_64")
    if(NOT CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
      set(missing "an x86-64 host compiler (the host is ${CMAKE_SYSTEM_PROCESSOR})")
    endif()
    set(cc ${CMAKE_C_COMPILER})
    set(cxx ${CMAKE_CXX_COMPILER})
    set(nm ${CMAKE_NM})
    set(objdump ${CMAKE_OBJDUMP})
  elseif(arch STREQUAL "x86_64-clang")
    find_program(HMX_FS_CLANG clang)
    find_program(HMX_FS_CLANGXX clang++)
    if(NOT HMX_FS_CLANG OR NOT HMX_FS_CLANGXX OR NOT CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
      set(missing "clang/clang++ for x86-64 (Debian: clang)")
    endif()
    set(cc ${HMX_FS_CLANG})
    set(cxx ${HMX_FS_CLANGXX})
    set(nm ${CMAKE_NM})
    set(objdump ${CMAKE_OBJDUMP})
  elseif(arch STREQUAL "aarch64")
    foreach(tool gcc g++ nm objdump)
      string(MAKE_C_IDENTIFIER "HMX_FS_AARCH64_${tool}" var)
      find_program(${var} aarch64-linux-gnu-${tool})
      if(NOT ${var})
        string(APPEND missing " aarch64-linux-gnu-${tool}")
      endif()
    endforeach()
    if(missing)
      set(missing "${missing} (Debian: g++-aarch64-linux-gnu)")
    endif()
    set(cc ${HMX_FS_AARCH64_gcc})
    set(cxx ${HMX_FS_AARCH64_g__})
    set(nm ${HMX_FS_AARCH64_nm})
    set(objdump ${HMX_FS_AARCH64_objdump})
  else()
    message(FATAL_ERROR "hmx_freestanding_check: unknown architecture ${arch} (x86_64, x86_64-clang, aarch64)")
  endif()
  foreach(v cc cxx nm objdump missing)
    set(${v} "${${v}}" PARENT_SCOPE)
  endforeach()
endfunction()

function(hmx_freestanding_check name)
  cmake_parse_arguments(ARG "C_HEADERS;NOSTDINC;PEDANTIC;LINK_RELOCATABLE" "LINK_ENTRY"
    "SOURCES;HEADERS;INCLUDE_TARGETS;INCLUDES;FLAGS;EXPECT_X86_64;EXPECT_AARCH64;ARCHES;ALLOW_UNDEFINED" ${ARGN})
  find_program(HMX_FS_CXXFILT c++filt)
  if(NOT ARG_SOURCES AND NOT ARG_HEADERS)
    message(FATAL_ERROR "hmx_freestanding_check(${name}): SOURCES or HEADERS is required")
  endif()
  if(NOT ARG_ARCHES)
    set(ARG_ARCHES x86_64)
  endif()
  set(header_dir "")
  set(header_glob "")
  if(ARG_HEADERS)
    list(GET ARG_HEADERS 0 header_dir)
    list(GET ARG_HEADERS 1 header_glob)
  endif()
  set(includes ${ARG_INCLUDES})
  foreach(t ${ARG_INCLUDE_TARGETS})
    list(APPEND includes "$<TARGET_PROPERTY:${t},INTERFACE_INCLUDE_DIRECTORIES>")
  endforeach()

  foreach(entry ${ARG_ARCHES})
    string(REPLACE "=" ";" pair "${entry}")
    list(GET pair 0 arch)
    list(LENGTH pair len)
    if(len GREATER 1)
      list(GET pair 1 test)
    else()
      set(test ${name}.${arch})
    endif()
    _hmx_fs_tools(${arch})
    if(missing)
      message(WARNING "${test} will be SKIPPED: missing${missing}")
      add_test(NAME ${test} COMMAND sh -c "echo 'SKIPPED: missing${missing}'; exit 77")
      set_tests_properties(${test} PROPERTIES SKIP_RETURN_CODE 77)
      continue()
    endif()
    set(expect ${ARG_EXPECT_X86_64})
    if(arch STREQUAL "aarch64")
      set(expect ${ARG_EXPECT_AARCH64})
    endif()
    set(config ${CMAKE_CURRENT_BINARY_DIR}/freestanding/${test}.cmake)
    set(content "")
    foreach(var ARCH=${arch} CC=${cc} CXX=${cxx} NM=${nm} OBJDUMP=${objdump} ENTRY=${ARG_LINK_ENTRY}
                RUNTIME=${HMX_FREESTANDING_RUNTIME} WORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/freestanding/${test}
                HEADER_DIR=${header_dir} HEADER_GLOB=${header_glob} C_HEADERS=${ARG_C_HEADERS}
                NOSTDINC=${ARG_NOSTDINC} PEDANTIC=${ARG_PEDANTIC} RELOCATABLE=${ARG_LINK_RELOCATABLE}
                CXXFILT=${HMX_FS_CXXFILT})
      string(REPLACE "=" ";" kv "${var}")
      list(GET kv 0 k)
      string(LENGTH "${k}=" skip)
      string(SUBSTRING "${var}" ${skip} -1 v)
      string(APPEND content "set(HMX_FS_${k} [==[${v}]==])\n")
    endforeach()
    # The lists keep their ';' inside the bracket arguments.
    string(JOIN ";" srcs ${ARG_SOURCES})
    string(JOIN ";" incs ${includes})
    string(JOIN ";" flags ${ARG_FLAGS})
    string(JOIN ";" exp ${expect})
    string(JOIN ";" imports ${ARG_ALLOW_UNDEFINED})
    string(APPEND content "set(HMX_FS_SOURCES [==[${srcs}]==])\nset(HMX_FS_INCLUDES [==[${incs}]==])\n"
                          "set(HMX_FS_FLAGS [==[${flags}]==])\nset(HMX_FS_EXPECT [==[${exp}]==])\n"
                          "set(HMX_FS_ALLOW_UNDEFINED [==[${imports}]==])\n")
    file(GENERATE OUTPUT ${config} CONTENT "${content}")
    add_test(NAME ${test} COMMAND ${CMAKE_COMMAND} -DCONFIG=${config} -P ${HMX_FREESTANDING_MODULE})
  endforeach()
endfunction()
