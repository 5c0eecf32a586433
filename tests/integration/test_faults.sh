#!/bin/sh
# tests/integration/test_faults.sh - the short form of `make faults` inside `make test`: the
# cases of tests/faults with few objects (N=20). tests/faults/run runs them at full size.
set -u
: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
N=${N:-20} API_DOWN_S=${API_DOWN_S:-10} MANY=${MANY:-50} exec sh tests/faults/run
