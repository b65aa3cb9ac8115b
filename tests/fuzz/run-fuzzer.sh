#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# run-fuzzer.sh FUZZER SEED-CORPUS SECONDS
#
# Runs one libFuzzer target for SECONDS from its seed corpus (read only:
# new inputs go to a working corpus under $AIOS_FUZZ_WORK) in one process.
# Fails on a crash, a leak, an UBSan report, a GLib critical (fatal in the
# targets), an input slower than 10 s or more than 2 GB. A crashing input
# is kept as $AIOS_FUZZ_WORK/<target>/crash-* for the report: add it to
# the seed corpus with the fix. (libFuzzer's own exit status for a finding,
# 77, would read as a skip to meson: -error_exitcode=1.)
set -eu
fuzzer=$1 seeds=$2 seconds=$3
name=$(basename "$fuzzer")
work=${AIOS_FUZZ_WORK:-${TMPDIR:-/tmp}/aios-fuzz}/$name
mkdir -p "$work/corpus"

# halt_on_error: any UBSan report is a failure, not a line in the log
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:abort_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
# GLib's own one-time allocations (type system, quarks) are kept, not leaked
LSAN_OPTIONS="suppressions=$(dirname "$0")/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
G_DEBUG=gc-friendly
G_SLICE=always-malloc
LC_ALL=C.UTF-8
export UBSAN_OPTIONS ASAN_OPTIONS LSAN_OPTIONS G_DEBUG G_SLICE LC_ALL

exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$seeds"
