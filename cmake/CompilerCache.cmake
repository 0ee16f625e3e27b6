# Compiles through ccache when it is installed (deploy/install-deps.sh installs it), so a fresh
# clone, CI's every run, compiles only what changed since any earlier clone on this machine.
# Paths are made relative to the checkout and the working directory is left out of the hash,
# so clones in different folders share the cache. MICROBLOG_CCACHE=OFF turns it off.
option(MICROBLOG_CCACHE "Compile through ccache when it is installed" ON)
find_program(MICROBLOG_CCACHE_PROGRAM ccache)
if(MICROBLOG_CCACHE AND MICROBLOG_CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  get_filename_component(MICROBLOG_CHECKOUT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
  set(CMAKE_CXX_COMPILER_LAUNCHER
    /usr/bin/env CCACHE_BASEDIR=${MICROBLOG_CHECKOUT} CCACHE_NOHASHDIR=1 ${MICROBLOG_CCACHE_PROGRAM})
endif()
