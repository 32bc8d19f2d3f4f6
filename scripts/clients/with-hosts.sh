#!/bin/sh
# Runs a command in a private mount namespace whose /etc/hosts maps provider host names to
# 127.0.0.1, so unmodified clients resolve "api.openai.com" to the local test server.
# Usage: with-hosts.sh HOSTS_FILE COMMAND [ARGS...]
hosts="$1"; shift
exec unshare --mount --propagation private -- sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$hosts" "$@"
