# SPDX-License-Identifier: Apache-2.0
# Reading the spec bundle (spec.json, written by hmx-specgen --bundle-out; format in
# tools/specgen/src/emit_bundle.h) from the docs checks (cmake -P scripts), with CMake's JSON reader.

# hmx_bundle_requirement_ids(<bundle> <out>): the requirement ids of the data, in data order.
function(hmx_bundle_requirement_ids bundle out)
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
    endforeach()
  endif()
  set(${out} "${ids}" PARENT_SCOPE)
endfunction()
