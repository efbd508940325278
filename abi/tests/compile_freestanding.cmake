# SPDX-License-Identifier: MIT OR GPL-2.0-only
# cmake -P script of the abi.freestanding tests: compile the ABI headers freestanding.
# Inputs: CC CXX ARCH INCLUDE_DIR SRC_C SRC_CXX WORK_DIR. Fails (non-zero exit) on any error.
file(MAKE_DIRECTORY ${WORK_DIR}/${ARCH})

# Only the compiler's own headers (<stdint.h>, <stddef.h> of a freestanding implementation).
execute_process(COMMAND ${CC} -print-file-name=include OUTPUT_VARIABLE cc_inc OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND ${CXX} -print-file-name=include OUTPUT_VARIABLE cxx_inc OUTPUT_STRIP_TRAILING_WHITESPACE)

set(common -ffreestanding -nostdlib -nostdinc -Wall -Wextra -Werror -I${INCLUDE_DIR})
if(ARCH STREQUAL "aarch64")
  # The flags freestanding aarch64 code is built with (docs/ARCHITECTURE.md, Arm facts).
  list(APPEND common -mgeneral-regs-only -mno-outline-atomics -mstrict-align)
endif()
set(c_flags -std=c11 -pedantic-errors ${common} -isystem ${cc_inc})
set(cxx_flags -std=c++20 -Wpedantic -fno-exceptions -fno-rtti -nostdinc++ ${common} -isystem ${cxx_inc})

set(failures 0)
function(compile compiler lang flags src obj)
  execute_process(COMMAND ${compiler} -x ${lang} ${flags} -c ${src} -o ${obj}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message("FAIL [${ARCH} ${lang}] ${src}\n${out}${err}")
    math(EXPR n "${failures} + 1")
    set(failures ${n} PARENT_SCOPE)
  else()
    message("ok   [${ARCH} ${lang}] ${src}")
  endif()
endfunction()

compile(${CC} c "${c_flags}" ${SRC_C} ${WORK_DIR}/${ARCH}/freestanding_c.o)
compile(${CXX} c++ "${cxx_flags}" ${SRC_CXX} ${WORK_DIR}/${ARCH}/freestanding_cxx.o)

# Each header on its own: it must include what it needs.
file(GLOB headers RELATIVE ${INCLUDE_DIR}/hmx/abi ${INCLUDE_DIR}/hmx/abi/*.h)
if(NOT headers)
  message(FATAL_ERROR "no headers in ${INCLUDE_DIR}/hmx/abi")
endif()
foreach(h ${headers})
  get_filename_component(base ${h} NAME_WE)
  set(tu ${WORK_DIR}/${ARCH}/only_${base}.c)
  file(WRITE ${tu} "#include <hmx/abi/${h}>\n#include <hmx/abi/${h}>\ntypedef int hmx_only_${base};\n")
  compile(${CC} c "${c_flags}" ${tu} ${WORK_DIR}/${ARCH}/only_${base}_c.o)
  compile(${CXX} c++ "${cxx_flags}" ${tu} ${WORK_DIR}/${ARCH}/only_${base}_cxx.o)
endforeach()

if(failures GREATER 0)
  message(FATAL_ERROR "${failures} freestanding compile(s) failed for ${ARCH}")
endif()
