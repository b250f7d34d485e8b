#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite through ctest: once in a
# normal build with warnings as errors, once built with AddressSanitizer and UBSan.
set -euo pipefail
cd "$(dirname "$0")"
jobs=$(nproc)

scripts/setup.sh build -DPAGECHECK_WERROR=ON
(cd build && ctest --output-on-failure -j "$jobs")

scripts/setup.sh build-asan -DPAGECHECK_WERROR=ON -DPAGECHECK_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j "$jobs")
