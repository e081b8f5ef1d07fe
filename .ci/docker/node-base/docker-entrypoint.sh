#!/bin/sh
# Stand-in for the official node image's entrypoint: a first argument that is a flag, not a
# command on PATH, or a non-executable file is handed to node; anything else runs as given.
set -eu
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ] || ! command -v "$1" >/dev/null 2>&1 || { [ -f "$1" ] && [ ! -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
