#!/usr/bin/env bash
# sipsync route: usage errors exit 64; an empty address is an error.
source "$SRC_DIR/tests/lib/cli.sh"


# usage
capture "$SIPSYNC" route
assert_eq "$rc" 64 "route without TO"
capture "$SIPSYNC" route a b c
assert_eq "$rc" 64 "route with too many arguments"
capture "$SIPSYNC" route "" "$F/pass.yaml"
assert_eq "$rc" 1 "route empty TO"
assert_contains "$err" "the address is empty" "route empty TO message"
echo "route_usage: ok"
