#!/usr/bin/env bash
# Writes the Grafana admin credentials that the kustomization's secretGenerator turns into the
# Secret grafana-admin. The file is gitignored: no password is ever committed. An existing
# file is kept, so re-running is safe and the password stays stable across re-applies.
# Usage: gen-grafana-admin.sh [OUTPUT_FILE]   (default: observability/grafana/admin.secret.env)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-${here}/../grafana/admin.secret.env}"

if [[ -s "${out}" ]]; then
  echo "kept existing ${out}" >&2
  exit 0
fi

umask 077
# 32 characters from [A-Za-z0-9]; head closes the pipe early, so ignore tr's SIGPIPE status
password="$(set +o pipefail; LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32)"
if [[ ${#password} -ne 32 ]]; then
  echo "could not generate a password" >&2
  exit 1
fi
tmp="$(mktemp "${out}.XXXXXX")"
printf 'admin-user=admin\nadmin-password=%s\n' "${password}" >"${tmp}"
mv "${tmp}" "${out}"
echo "wrote ${out}" >&2
