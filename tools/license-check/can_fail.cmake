# SPDX-License-Identifier: Apache-2.0
# license.spdx.can_fail (cmake -P): shows that check_spdx.cmake fails on each kind of offence,
# passes a clean tree, and skips loudly outside a git checkout. Builds small git repositories
# under WORK_DIR.
#
#   -DCHECKER=<check_spdx.cmake>  -DWORK_DIR=<scratch directory>  -DGIT=<git, optional>

if(NOT GIT)
  find_program(GIT git)
endif()
if(NOT GIT)
  message("license.spdx.can_fail SKIPPED: git not found; the checker cannot be exercised")
  return()
endif()

file(REMOVE_RECURSE ${WORK_DIR})
set(_repo ${WORK_DIR}/repo)
file(MAKE_DIRECTORY ${_repo}/LICENSES ${_repo}/src ${_repo}/fuzz/corpus)

function(put path text)
  file(WRITE ${_repo}/${path} "${text}")
endfunction()

put(LICENSES/MIT.txt "MIT License\n")
put(LICENSES/GPL-2.0-only.txt "GNU GENERAL PUBLIC LICENSE Version 2\n")
# Accepted: every comment syntax the tree uses, a shebang first, a dual-license expression.
put(src/good.c "/* SPDX-License-Identifier: MIT */\nint x;\n")
put(src/good.cpp "// SPDX-License-Identifier: MIT OR GPL-2.0-only\nint y;\n")
put(src/good.sh "#!/bin/sh\n# SPDX-License-Identifier: (MIT OR GPL-2.0-only)\ntrue\n")
put(src/good.md "<!-- SPDX-License-Identifier: MIT -->\n# Title\n")
string(ASCII 1 2 _binary)
put(fuzz/corpus/seed "${_binary} no comment possible\n")
put(src/untracked.c "int not_listed_by_git;\n")
# Each of these must be reported.
put(src/missing.c "int z;\n")
put(src/unknown.c "// SPDX-License-Identifier: Foo-1.0\n")
put(src/lowercase.c "// SPDX-License-Identifier: MIT or GPL-2.0-only\n")
put(src/late.c "//\n//\n//\n//\n//\n// SPDX-License-Identifier: MIT\n")
put(src/empty_expr.c "/* SPDX-License-Identifier: */\n")
set(_offenders missing.c unknown.c lowercase.c late.c empty_expr.c)

function(git)
  execute_process(COMMAND ${GIT} -C ${_repo} ${ARGN} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "git ${ARGN}: ${err}")
  endif()
endfunction()
git(init -q)
git(add LICENSES src/good.c src/good.cpp src/good.sh src/good.md fuzz/corpus/seed
        src/missing.c src/unknown.c src/lowercase.c src/late.c src/empty_expr.c)

function(run_checker dir out_rc out_text)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env GIT_CEILING_DIRECTORIES=${WORK_DIR}
            ${CMAKE_COMMAND} -DSOURCE_DIR=${dir} -DGIT=${GIT} -P ${CHECKER}
    RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
  set(${out_rc} ${rc} PARENT_SCOPE)
  set(${out_text} "${o}${e}" PARENT_SCOPE)
endfunction()

set(_failures "")

# 1. A tree with offenders fails and names each of them, and only them.
run_checker(${_repo} rc text)
if(rc EQUAL 0)
  list(APPEND _failures "the checker passed a tree with offending files:\n${text}")
endif()
foreach(f IN LISTS _offenders)
  string(FIND "${text}" "src/${f}:" at)
  if(at EQUAL -1)
    list(APPEND _failures "src/${f} was not reported")
  endif()
endforeach()
foreach(f good.c good.cpp good.sh good.md untracked.c)
  string(FIND "${text}" "src/${f}:" at)
  if(NOT at EQUAL -1)
    list(APPEND _failures "src/${f} was reported although it is fine or untracked")
  endif()
endforeach()
string(FIND "${text}" "corpus/seed" at)
if(NOT at EQUAL -1)
  list(APPEND _failures "the exempt fuzz corpus file was reported")
endif()

# 2. The same tree without the offenders passes and says how many files it checked.
list(TRANSFORM _offenders PREPEND src/ OUTPUT_VARIABLE _offender_paths)
git(rm -q --cached ${_offender_paths})
run_checker(${_repo} rc text)
if(NOT rc EQUAL 0)
  list(APPEND _failures "the checker failed a clean tree:\n${text}")
elseif(NOT text MATCHES "license\\.spdx: 4 tracked files carry")
  list(APPEND _failures "a clean tree did not report 4 checked files:\n${text}")
endif()

# 3. A license named by a file must have its text: remove it, and the tree fails again.
file(REMOVE ${_repo}/LICENSES/GPL-2.0-only.txt)
run_checker(${_repo} rc text)
if(rc EQUAL 0 OR NOT text MATCHES "GPL-2\\.0-only has no text")
  list(APPEND _failures "a missing LICENSES/GPL-2.0-only.txt was not reported:\n${text}")
endif()

# 4. Outside a git checkout: skipped, loudly, and not a failure.
file(MAKE_DIRECTORY ${WORK_DIR}/exported)
run_checker(${WORK_DIR}/exported rc text)
if(NOT rc EQUAL 0 OR NOT text MATCHES "license\\.spdx SKIPPED: .* is not a git checkout")
  list(APPEND _failures "a tree without git was not skipped loudly (rc ${rc}):\n${text}")
endif()

if(_failures)
  string(REPLACE ";" "\n" _failures "${_failures}")
  message(FATAL_ERROR "license.spdx.can_fail:\n${_failures}")
endif()
message("license.spdx.can_fail: offenders reported, clean tree passed, missing license text "
        "reported, non-git tree skipped")
