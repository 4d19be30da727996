#!/bin/sh
# Prints the counts of a `make test` run: gotestsum's --post-run-command.
# Counts the pass, fail and skip events of tests (subtests included) in
# $GOTESTSUM_JSONFILE_TIMING_EVENTS, so a package that failed outside any
# test (a build error, TestMain) is not counted as a test; gotestsum's own
# summary above lists it, and TESTS_ERRORS counts the packages with errors.
set -eu
events=$GOTESTSUM_JSONFILE_TIMING_EVENTS
count() { grep -c "\"Action\":\"$1\",\"Package\":\"[^\"]*\",\"Test\":" "$events" || true; }
passed=$(count pass)
failed=$(count fail)
skipped=$(count skip)
echo "tests: $((passed + failed + skipped)) run (subtests included), ${TESTS_ERRORS:-0} packages with errors"
echo "tests: $passed passed, $failed failed, $skipped skipped"
