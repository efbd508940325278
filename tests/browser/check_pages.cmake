# SPDX-License-Identifier: Apache-2.0
# Renders pages in headless Chromium and fails on a broken internal link (a local document or an
# anchor that does not exist) or a script error (an uncaught exception on the console); keeps a
# screenshot of each page in SHOT_DIR.
# Arguments: -DCHROMIUM -DWORK_DIR -DSHOT_DIR -DPAGES=<a;b;...> (absolute .html paths)
# Chromium flags: the headless set of the Debian package, with a throw-away profile; file
# access from file pages lets the checker read the pages it loads in iframes.
cmake_minimum_required(VERSION 3.25)
foreach(v CHROMIUM WORK_DIR SHOT_DIR PAGES)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "check_pages.cmake: -D${v} is required")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR} ${SHOT_DIR})

set(flags --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run
          --user-data-dir=${WORK_DIR}/profile --enable-logging=stderr --v=0)

set(json "")
foreach(p ${PAGES})
  if(NOT EXISTS ${p})
    message(FATAL_ERROR "page ${p} does not exist")
  endif()
  list(APPEND json "\"file://${p}\"")
endforeach()
list(JOIN json ", " json)
set(PAGES_JSON "[${json}]")
configure_file(${CMAKE_CURRENT_LIST_DIR}/checker.html.in ${WORK_DIR}/checker.html @ONLY)

execute_process(
  COMMAND timeout 120 ${CHROMIUM} ${flags} --allow-file-access-from-files --virtual-time-budget=30000
          --dump-dom file://${WORK_DIR}/checker.html
  RESULT_VARIABLE rc OUTPUT_VARIABLE dom ERROR_VARIABLE console)
file(WRITE ${WORK_DIR}/console.log "${console}")
string(REGEX MATCH "<pre id=\"result\">([^<]*)</pre>" _ "${dom}")
set(result "${CMAKE_MATCH_1}")
string(REPLACE "&gt;" ">" result "${result}")
string(REPLACE "&lt;" "<" result "${result}")
string(REPLACE "&amp;" "&" result "${result}")
message("${result}")
set(problems 0)
if(NOT rc EQUAL 0 OR NOT result MATCHES "DONE broken: ")
  message("FAILED: the checker did not finish (chromium exit ${rc}); console: ${WORK_DIR}/console.log")
  math(EXPR problems "${problems} + 1")
endif()
if(result MATCHES "BROKEN|CHECKER ERROR")
  math(EXPR problems "${problems} + 1")
endif()
# Uncaught exceptions and console.error() of any page (Chromium logs them as CONSOLE lines).
string(REGEX MATCHALL "[^\n]*CONSOLE[^\n]*(Uncaught|Error)[^\n]*" script_errors "${console}")
foreach(e ${script_errors})
  message("SCRIPT ERROR: ${e}")
  math(EXPR problems "${problems} + 1")
endforeach()

foreach(p ${PAGES})
  get_filename_component(name ${p} NAME_WE)
  get_filename_component(dir ${p} DIRECTORY)
  get_filename_component(dir ${dir} NAME)
  set(shot ${SHOT_DIR}/${dir}-${name}.png)
  execute_process(
    COMMAND timeout 60 ${CHROMIUM} ${flags} --hide-scrollbars --window-size=1280,1600
            --screenshot=${shot} file://${p}
    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0 OR NOT EXISTS ${shot})
    message("FAILED: no screenshot of ${p} (chromium exit ${rc})")
    math(EXPR problems "${problems} + 1")
  else()
    message("screenshot: ${shot}")
  endif()
endforeach()
if(problems GREATER 0)
  message(FATAL_ERROR "browser check: ${problems} problem(s)")
endif()
message("browser check: every internal link resolves, no script error")
