# Run at build time (cmake -P): writes the commit the sources are at into OUTPUT as a C++ string
# literal, "-dirty" appended when tracked files differ from it. The file is rewritten only when
# that text changes, so a build at the same commit recompiles nothing. Without git (a source
# tarball) it keeps FALLBACK, the commit seen at configure time or "unknown".
execute_process(COMMAND git rev-parse --short=12 HEAD
    WORKING_DIRECTORY "${SOURCE_DIR}" OUTPUT_VARIABLE commit
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE status)
if(status EQUAL 0 AND commit)
    execute_process(COMMAND git status --porcelain --untracked-files=no
        WORKING_DIRECTORY "${SOURCE_DIR}" OUTPUT_VARIABLE changes ERROR_QUIET)
    if(changes)
        string(APPEND commit "-dirty")
    endif()
else()
    set(commit "${FALLBACK}")
endif()
set(text "// Written by cmake/write_git_commit.cmake at build time.\n#define NORMLAB_GIT_COMMIT \"${commit}\"\n")
if(EXISTS "${OUTPUT}")
    file(READ "${OUTPUT}" old)
endif()
if(NOT old STREQUAL text)
    file(WRITE "${OUTPUT}" "${text}")
endif()
