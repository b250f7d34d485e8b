# Every dependency is a Debian 12 package; see ../shared/ecosystem.md and README.md.
find_package(fmt 9 CONFIG REQUIRED)
find_package(nlohmann_json 3.11 CONFIG REQUIRED)
find_package(tomlplusplus CONFIG REQUIRED)
find_package(CLI11 2.1 CONFIG REQUIRED)
# Boost.Graph (libboost-graph-dev): the fewest-preemption search and the DOT state graph.
find_package(Boost 1.74 REQUIRED COMPONENTS graph)
if(PAGECHECK_BUILD_TESTS)
  find_package(doctest 2.4 CONFIG REQUIRED)
endif()

# libxxhash-dev ships no CMake config: use pkg-config.
find_package(PkgConfig REQUIRED)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET GLOBAL libxxhash>=0.8)
add_library(xxhash::xxhash ALIAS PkgConfig::XXHASH)

# Z3: Debian's libz3-dev ships no Z3Config.cmake; use its pkg-config file.
find_package(Z3 CONFIG QUIET)
if(NOT TARGET z3::libz3)
  pkg_check_modules(Z3 REQUIRED IMPORTED_TARGET GLOBAL z3>=4.8.12)
  add_library(z3::libz3 ALIAS PkgConfig::Z3)
endif()
