# shellcheck shell=bash
# verify_sha256 FILE EXPECTED: succeed only when FILE's SHA-256 is EXPECTED (64 lowercase hex).

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

verify_sha256() {
  local file="$1" want="$2" got
  if ! [[ "$want" =~ ^[0-9a-f]{64}$ ]]; then
    printf 'checksum for %s: expected 64 lowercase hex digits, got "%s"\n' "$file" "$want" >&2
    return 2
  fi
  [ -f "$file" ] || { printf 'checksum: no such file %s\n' "$file" >&2; return 2; }
  got="$(sha256_of "$file")"
  if [ "$got" != "$want" ]; then
    printf 'checksum MISMATCH for %s\n  expected %s\n  actual   %s\n' "$file" "$want" "$got" >&2
    return 1
  fi
  printf 'checksum ok %s %s\n' "$want" "$(basename "$file")" >&2
}
