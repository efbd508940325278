# SPDX-License-Identifier: Apache-2.0
# The license.spdx check (cmake -P): every file git tracks names its license in an
# SPDX-License-Identifier line within its first HMX_SPDX_HEADER_LINES lines, and every license
# that line names has its text in LICENSES/<id>.txt (LICENSE, "Which license applies where").
#
#   -DSOURCE_DIR=<checkout>    required: the tree to check (its `git ls-files`)
#   -DGIT=<git executable>     optional: found on PATH when empty
#
# Prints every offending file and fails when there is one. Prints "license.spdx SKIPPED: <why>"
# and stops when SOURCE_DIR is not a git checkout or git is missing; the ctest marks that
# skipped (SKIP_REGULAR_EXPRESSION), so a tarball build says loudly that nothing was checked.

set(HMX_SPDX_HEADER_LINES 5)

# Files that cannot carry a comment. Keep this list short; anything else carries the line.
set(HMX_SPDX_EXEMPT
  "^LICENSE$"              # the license texts themselves
  "^LICENSES/"
  "(^|/)fuzz/corpus[^/]*/" # binary libFuzzer seeds (corpus/, corpus-device/, ...)
  "\\.json$"               # JSON has no comment syntax (fixtures, corpora)
)

if(NOT SOURCE_DIR)
  message(FATAL_ERROR "check_spdx.cmake: pass -DSOURCE_DIR=<checkout>")
endif()
if(NOT GIT)
  find_program(GIT git)
endif()
if(NOT GIT)
  message("license.spdx SKIPPED: git not found, so the tracked files cannot be listed")
  return()
endif()
execute_process(
  COMMAND ${GIT} -C ${SOURCE_DIR} rev-parse --is-inside-work-tree
  RESULT_VARIABLE _rc OUTPUT_VARIABLE _inside ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _rc EQUAL 0 OR NOT _inside STREQUAL "true")
  message("license.spdx SKIPPED: ${SOURCE_DIR} is not a git checkout (an exported tree); "
          "nothing was checked")
  return()
endif()
execute_process(
  COMMAND ${GIT} -C ${SOURCE_DIR} -c core.quotepath=off ls-files --full-name
  WORKING_DIRECTORY ${SOURCE_DIR}
  RESULT_VARIABLE _rc OUTPUT_VARIABLE _listing ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "git ls-files failed in ${SOURCE_DIR}: ${_err}")
endif()
# git ls-files --full-name is relative to the top of the repository, which SOURCE_DIR may be below.
execute_process(
  COMMAND ${GIT} -C ${SOURCE_DIR} rev-parse --show-toplevel
  OUTPUT_VARIABLE _top OUTPUT_STRIP_TRAILING_WHITESPACE)

set(LICENSES_DIR ${_top}/LICENSES)

# One path per line; a ';' in a path would split a CMake list, so it travels encoded.
string(REPLACE ";" "@SC@" _listing "${_listing}")
string(REPLACE "\n" ";" _paths "${_listing}")

set(_checked 0)
set(_exempt 0)
set(_bad "")
foreach(_enc IN LISTS _paths)
  if(_enc STREQUAL "")
    continue()
  endif()
  string(REPLACE "@SC@" ";" _path "${_enc}")
  set(_skip FALSE)
  foreach(_re IN LISTS HMX_SPDX_EXEMPT)
    if(_path MATCHES "${_re}")
      set(_skip TRUE)
      break()
    endif()
  endforeach()
  set(_file "${_top}/${_path}")
  # Exempt, removed from the work tree but not yet from the index, a symlink or a submodule.
  if(_skip OR NOT EXISTS "${_file}" OR IS_SYMLINK "${_file}" OR IS_DIRECTORY "${_file}")
    math(EXPR _exempt "${_exempt} + 1")
    continue()
  endif()
  math(EXPR _checked "${_checked} + 1")

  file(READ "${_file}" _head LIMIT 4096)
  string(REPLACE "\r" "" _head "${_head}")
  # Keep the first HMX_SPDX_HEADER_LINES lines.
  set(_top_lines "")
  foreach(_i RANGE 1 ${HMX_SPDX_HEADER_LINES})
    string(FIND "${_head}" "\n" _nl)
    if(_nl EQUAL -1)
      string(APPEND _top_lines "${_head}\n")
      break()
    endif()
    string(SUBSTRING "${_head}" 0 ${_nl} _line)
    string(APPEND _top_lines "${_line}\n")
    math(EXPR _nl "${_nl} + 1")
    string(SUBSTRING "${_head}" ${_nl} -1 _head)
  endforeach()

  string(FIND "${_top_lines}" "SPDX-License-Identifier:" _at)
  if(_at EQUAL -1)
    list(APPEND _bad "${_enc}: no SPDX-License-Identifier line in its first ${HMX_SPDX_HEADER_LINES} lines")
    continue()
  endif()
  string(SUBSTRING "${_top_lines}" ${_at} -1 _expr)
  string(FIND "${_expr}" "\n" _nl)
  string(SUBSTRING "${_expr}" 0 ${_nl} _expr)
  string(REPLACE "SPDX-License-Identifier:" "" _expr "${_expr}")
  # Whatever closes the comment that carries the line: C's */ or HTML's -->.
  string(REGEX REPLACE "(\\*/|-->).*$" "" _expr "${_expr}")
  string(STRIP "${_expr}" _expr)
  string(REPLACE ";" "@SC@" _expr "${_expr}")
  if(_expr STREQUAL "")
    list(APPEND _bad "${_enc}: empty SPDX-License-Identifier")
    continue()
  endif()
  string(REGEX REPLACE "[()]" " " _words "${_expr}")
  string(REGEX REPLACE "[ \t]+" ";" _words "${_words}")
  foreach(_w IN LISTS _words)
    if(_w STREQUAL "" OR _w MATCHES "^(AND|OR|WITH)$")
      continue()
    endif()
    string(TOUPPER "${_w}" _upper)
    if(_upper MATCHES "^(AND|OR|WITH)$")
      list(APPEND _bad "${_enc}: write the operator '${_w}' in '${_expr}' as ${_upper}")
    elseif(NOT _w MATCHES "^[A-Za-z0-9.+-]+$")
      list(APPEND _bad "${_enc}: '${_w}' in '${_expr}' is not an SPDX identifier")
    elseif(NOT EXISTS "${LICENSES_DIR}/${_w}.txt")
      list(APPEND _bad "${_enc}: license ${_w} has no text in LICENSES/${_w}.txt")
    endif()
  endforeach()
endforeach()

list(LENGTH _bad _nbad)
if(_nbad GREATER 0)
  foreach(_b IN LISTS _bad)
    string(REPLACE "@SC@" ";" _b "${_b}")
    message("${_b}")
  endforeach()
  message(FATAL_ERROR
    "license.spdx: ${_nbad} problem(s) in ${_checked} checked files. Put the file's "
    "SPDX-License-Identifier line at its top (the license of its folder: LICENSE) in the file's "
    "comment syntax, e.g. '// SPDX-License-Identifier: Apache-2.0'.")
endif()
message("license.spdx: ${_checked} tracked files carry an SPDX-License-Identifier naming a "
        "license in LICENSES/ (${_exempt} exempt or not in the work tree)")
