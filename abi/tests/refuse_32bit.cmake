# SPDX-License-Identifier: MIT OR GPL-2.0-only
# cmake -P script of abi.refuses_i386: the ABI is for 64-bit guests only (spec "64-bit guests
# only"), so compiling <hmx/abi/structs.h> for i386 must stop at the headers' #error, with its
# message, and not at a layout assert or anything else. Inputs: CC INCLUDE_DIR WORK_DIR.
file(MAKE_DIRECTORY ${WORK_DIR})
execute_process(COMMAND ${CC} -m32 -print-file-name=include OUTPUT_VARIABLE cc_inc OUTPUT_STRIP_TRAILING_WHITESPACE)
set(tu ${WORK_DIR}/refuse_i386.c)
file(WRITE ${tu} "#include <hmx/abi/hmx.h>\ntypedef int hmx_refuse_i386;\n")
# -fsyntax-only: no 32-bit assembler or libraries needed, only the compiler's own headers.
execute_process(COMMAND ${CC} -m32 -std=c11 -ffreestanding -nostdinc -isystem ${cc_inc} -I${INCLUDE_DIR}
                        -fsyntax-only ${tu}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "an i386 build of <hmx/abi/hmx.h> compiled: the headers must refuse 32-bit targets")
endif()
string(FIND "${err}" "64-bit guests only" at)
if(at EQUAL -1)
  message(FATAL_ERROR "the i386 build failed, but not with the headers' 64-bit-only #error:\n${err}")
endif()
string(FIND "${err}" "static assert" sa)
string(FIND "${err}" "static_assert" sa2)
if(NOT sa EQUAL -1 OR NOT sa2 EQUAL -1)
  message(FATAL_ERROR "the i386 build reached the layout asserts; the #error must stop it first:\n${err}")
endif()
message("ok: i386 refused with the 64-bit-only #error")
