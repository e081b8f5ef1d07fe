#!/usr/bin/env bash
# Prints the Debian main-archive mirror this machine's apt already uses (its first deb822 source,
# else its first one-line source, whose URI ends in /debian), so CI scripts that fetch Debian
# packages outside apt's own state (debootstrap, a sid index) use the same mirror and name none.
set -euo pipefail
mirror="$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)"
[ -n "$mirror" ] || mirror="$(sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\/debian\)[[:space:]].*/\2/p' /etc/apt/sources.list 2>/dev/null | head -n1)"
[ -n "$mirror" ] || { echo "debian-mirror: no Debian main archive in this machine's apt sources" >&2; exit 1; }
printf '%s\n' "$mirror"
