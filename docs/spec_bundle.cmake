# SPDX-License-Identifier: Apache-2.0
# Helpers for the docs checks (cmake -P scripts): read text files as CMake lists of lines, and read
# the requirements of the spec bundle.
#
# CMake lists split at ';' and treat '[' ']' specially, and '\' escapes; a line of AsciiDoc or of
# requirement text may hold any of them. hmx_lines() therefore encodes those characters (and '@',
# the escape itself) before it splits at newlines, and hmx_decode() reverses it for messages.
# Comparisons are made between encoded strings.

function(hmx_encode text out)
  string(REPLACE "@" "@AT@" text "${text}")
  string(REPLACE ";" "@SC@" text "${text}")
  string(REPLACE "[" "@LB@" text "${text}")
  string(REPLACE "]" "@RB@" text "${text}")
  string(REPLACE "\\" "@BS@" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(hmx_decode text out)
  string(REPLACE "@BS@" "\\" text "${text}")
  string(REPLACE "@RB@" "]" text "${text}")
  string(REPLACE "@LB@" "[" text "${text}")
  string(REPLACE "@SC@" ";" text "${text}")
  string(REPLACE "@AT@" "@" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# hmx_lines(<file> <out>): the file's lines, encoded, as a list (empty lines kept as "").
function(hmx_lines file out)
  file(READ "${file}" text)
  string(REPLACE "\r" "" text "${text}")
  hmx_encode("${text}" text)
  string(REPLACE "\n" ";" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# hmx_bundle_requirements(<bundle>): sets in the caller, from the spec bundle (spec.json, written by
# hmx-specgen --bundle-out; tools/specgen/src/emit_bundle.h)
#   HMX_REQ_IDS                      the ids, in data order
#   HMX_REQ_<id>_LEVEL/_TARGET/_SECTION/_TEXT   the fields (TEXT encoded, see hmx_encode)
function(hmx_bundle_requirements bundle)
  if(NOT EXISTS "${bundle}")
    message(FATAL_ERROR "${bundle}: no spec bundle (build the target hmx_spec_bundle)")
  endif()
  file(READ "${bundle}" json)
  string(JSON format GET "${json}" format)
  if(NOT format STREQUAL "hmx-spec-bundle/1")
    message(FATAL_ERROR "${bundle}: not a spec bundle (format ${format})")
  endif()
  string(JSON n LENGTH "${json}" spec requirements)
  set(ids "")
  if(n GREATER 0)
    math(EXPR last "${n} - 1")
    foreach(i RANGE ${last})
      string(JSON id GET "${json}" spec requirements ${i} id)
      list(APPEND ids "${id}")
      foreach(f level target section text)
        string(JSON v GET "${json}" spec requirements ${i} ${f})
        string(TOUPPER "${f}" F)
        hmx_encode("${v}" v)
        set(HMX_REQ_${id}_${F} "${v}" PARENT_SCOPE)
      endforeach()
    endforeach()
  endif()
  set(HMX_REQ_IDS "${ids}" PARENT_SCOPE)
endfunction()
