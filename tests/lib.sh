# tests/lib.sh - what the shell tests share (sourced): counting and expectations.
passed=0
failed=0
ok() { echo "PASS $1"; passed=$((passed + 1)); }
ko() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
# expect NAME WANT_EXIT TEXT CMD...: runs CMD, checks its exit code and that TEXT is in its output
expect() {
	name=$1 want=$2 text=$3; shift 3
	out=$("$@" 2>&1); got=$?
	if [ "$got" -ne "$want" ]; then ko "$name" "exit $got, want $want: $(printf '%s' "$out" | tail -n 5)"
	elif [ -n "$text" ] && ! printf '%s' "$out" | grep -q -- "$text"; then ko "$name" "no '$text' in: $(printf '%s' "$out" | tail -n 5)"
	else ok "$name"; fi
}
