# tests/e2e/secrets.sh - sourced by the e2e tests: the tests' secrets must appear in no log,
# no status and no event.
#
# cli_logged DIR: writes DIR/cflux, a wrapper of bin/cflux that keeps a copy of everything the
# CLI prints in DIR/cli.log (stdout and stderr stay apart for the caller).
cli_logged() {
	cat > "$1/cflux" <<EOT
#!/bin/sh
"$(pwd)/bin/cflux" "\$@" >"$1/cli.out.\$\$" 2>"$1/cli.err.\$\$"
rc=\$?
cat "$1/cli.out.\$\$"
cat "$1/cli.err.\$\$" >&2
cat "$1/cli.out.\$\$" "$1/cli.err.\$\$" >> "$1/cli.log"
rm -f "$1/cli.out.\$\$" "$1/cli.err.\$\$"
exit \$rc
EOT
	chmod +x "$1/cflux"
	: > "$1/cli.log"
}

# no_secrets_leaked NAME FILE...: the Git password, the API tokens and the lines of the ssh
# private key are in none of FILEs (logs), none of the statuses of the cflux kinds and none of
# the Events. A hit names the place, never the secret.
no_secrets_leaked() {
	name=$1
	shift
	pats=$(mktemp)
	dump=$(mktemp)
	{
		printf '%s\n' "${CFLUX_GIT_PASSWORD:-}"
		cat "$CFLUX_ENV_DIR/pki/admin.token" "$CFLUX_ENV_DIR/pki/nobody.token" 2>/dev/null
		grep -v -e '-----' "$CFLUX_SSH_IDENTITY" 2>/dev/null
	} | awk 'length($0) >= 16' > "$pats"
	for k in gitrepositories kustomizations providers alerts receivers; do
		kubectl get "$k" -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}: {.status}{"\n"}{end}' \
			>> "$dump" 2>/dev/null
	done
	kubectl get events -A -o json >> "$dump" 2>/dev/null
	if [ "$(wc -l < "$pats")" -lt 3 ]; then
		ko "$name" "could not read the test secrets"
	elif ! grep -q . "$dump"; then
		ko "$name" "could not read statuses and events"
	elif hits=$(grep -l -F -f "$pats" "$@" "$dump" 2>/dev/null | sed "s#^$dump\$#(statuses and events)#"); \
	     [ -n "$hits" ]; then
		ko "$name" "a test secret appears in: $(echo $hits)"
	else
		ok "$name"
	fi
	rm -f "$pats" "$dump"
}
