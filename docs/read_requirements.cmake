# SPDX-License-Identifier: Apache-2.0
# Helpers for the docs checks (cmake -P scripts): read text files as CMake lists of lines, and read
# the requirement entries of spec/requirements.textproto.
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

# hmx_read_requirements(<file>): sets in the caller
#   HMX_REQ_IDS                      the ids, in file order
#   HMX_REQ_<id>_LEVEL/_TARGET/_SECTION/_TEXT   the fields (TEXT encoded, see hmx_encode)
#   HMX_REQ_ERRORS                   layout errors, one message per list element
# Entries keep the layout the file's header describes: "requirements {", one field per line
# (id, level, target, section, text, optionally tests), "}".
function(hmx_read_requirements file)
  hmx_lines("${file}" lines)
  set(ids "")
  set(errors "")
  set(in_entry FALSE)
  set(lineno 0)
  foreach(line IN LISTS lines)
    math(EXPR lineno "${lineno} + 1")
    if(line MATCHES "^[ \t]*(#.*)?$")
      continue()
    endif()
    if(NOT in_entry)
      if(line STREQUAL "requirements {")
        set(in_entry TRUE)
        set(entry_line ${lineno})
        foreach(f id level target section text)
          set(cur_${f} "")
        endforeach()
      else()
        list(APPEND errors "line ${lineno}: expected 'requirements {' or a comment")
      endif()
      continue()
    endif()
    if(line STREQUAL "}")
      set(in_entry FALSE)
      foreach(f id level target section text)
        if(cur_${f} STREQUAL "")
          list(APPEND errors "entry at line ${entry_line}: no '${f}' line")
        endif()
      endforeach()
      if(NOT cur_id STREQUAL "")
        list(APPEND ids "${cur_id}")
        set(HMX_REQ_${cur_id}_LEVEL "${cur_level}" PARENT_SCOPE)
        set(HMX_REQ_${cur_id}_TARGET "${cur_target}" PARENT_SCOPE)
        set(HMX_REQ_${cur_id}_SECTION "${cur_section}" PARENT_SCOPE)
        set(HMX_REQ_${cur_id}_TEXT "${cur_text}" PARENT_SCOPE)
      endif()
    elseif(line MATCHES "^  (id|section|text): \"([^\"]*)\"$")
      set(cur_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
    elseif(line MATCHES "^  (level|target): ([A-Z_]+)$")
      set(cur_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
    elseif(line MATCHES "^  tests: \"[^\"]*\"$")
      # Coverage listed in the data; the site shows it, the checks do not need it.
    else()
      hmx_decode("${line}" shown)
      string(REPLACE ";" "," shown "${shown}")
      list(APPEND errors "line ${lineno}: not one field per line in the documented layout: ${shown}")
    endif()
  endforeach()
  if(in_entry)
    list(APPEND errors "entry at line ${entry_line}: no closing '}'")
  endif()
  set(HMX_REQ_IDS "${ids}" PARENT_SCOPE)
  set(HMX_REQ_ERRORS "${errors}" PARENT_SCOPE)
endfunction()
