# shellcheck shell=bash
# SHA-256 helpers for scripts/tools.sh (bash 3.2 and POSIX awk, so they run on macOS as shipped).
#   sha256_of FILE                        print FILE's SHA-256 (sha256sum, or shasum -a 256 on macOS)
#   verify_sha256 FILE EXPECTED           succeed only when FILE's SHA-256 is EXPECTED (64 lowercase hex)
#   digest_from_sha256_file FILE          the digest in a one-digest file (dl.k8s.io's kubectl.sha256)
#   digest_from_checksums_txt FILE ASSET  ASSET's digest in a `sha256sum` listing (k3d's checksums.txt)
#   digest_from_release_json FILE ASSET   ASSET's "digest" in a GitHub release API answer (JSON)
# The digest_from_* functions print 64 lowercase hex digits, or fail (status 1) with a message that
# names what was missing. They never echo what they read: it is untrusted until verified.

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

is_sha256() { [[ "$1" =~ ^[0-9a-f]{64}$ ]]; }

verify_sha256() {
  local file="$1" want="$2" got
  if ! is_sha256 "$want"; then
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

# Print $2 if it is a SHA-256, else say what $1 lacked and fail.
_digest_or_fail() {
  if is_sha256 "$2"; then printf '%s\n' "$2"; return 0; fi
  printf '%s\n' "$1" >&2
  return 1
}

# kubectl.sha256 holds the bare hex digest (the Kubernetes docs check it with
# `echo "$(cat kubectl.sha256)  kubectl" | sha256sum --check`).
digest_from_sha256_file() {
  local d
  d="$(awk 'NF { print tolower($1); exit }' "$1")"
  _digest_or_fail "$1: no SHA-256 (64 hex digits) on its first line" "$d"
}

# `sha256sum` output, one "<hex>  <path>" (or "<hex> *<path>") per line. k3d v5.8.3's Makefile
# (gen-checksum) writes it from `sha256sum _dist/*`, so the path is "_dist/k3d-linux-amd64":
# the line is matched on the path's last component, exactly. Zero or several matches fail.
digest_from_checksums_txt() {
  local d
  d="$(awk -v asset="$2" '
    NF >= 2 {
      p = $2; sub(/^\*/, "", p); n = split(p, part, "/")
      if (part[n] == asset) { hits++; d = tolower($1) }
    }
    END { if (hits == 1) print d; else if (hits > 1) print "several" }' "$1")"
  [ "$d" != several ] || { printf '%s: more than one line for %s\n' "$1" "$2" >&2; return 1; }
  _digest_or_fail "$1: no SHA-256 line for $2" "$d"
}

# GitHub's "get a release" answer: {"assets": [{"name": ..., "digest": "sha256:<hex>", ...}], ...}.
# A small JSON reader in POSIX awk: with RS set to the double quote, records alternate between
# outside and inside strings (a quote preceded by an odd run of backslashes is escaped and does not
# end the string). Outside strings it tracks {, [, :, , to know the depth and whether a string is a
# key or a value; it takes "name" and "digest" only from the objects directly inside the top-level
# "assets" array, so the release notes, the uploader's "name" or any text cannot stand in for them.
# Exit codes: 0 found, 3 no such asset, 4 several assets of that name, 5 not JSON or truncated.
# shellcheck disable=SC2016  # an awk program: its $0 is awk's
_release_json_awk='
BEGIN { RS = "\""; instr = 0; depth = 0; colon = 0; hits = 0; inasset = 0; out = 0 }
{
  if (!instr) {
    n = length($0)
    for (i = 1; i <= n; i++) {
      c = substr($0, i, 1)
      if (c == "{" || c == "[") {
        parent = (depth > 0 && type[depth] == "o") ? key[depth] : ""
        depth++; type[depth] = (c == "{") ? "o" : "a"; pkey[depth] = parent; key[depth] = ""; colon = 0
        if (c == "{" && depth == 3 && type[1] == "o" && type[2] == "a" && pkey[2] == "assets") {
          inasset = 1; aname = ""; adigest = ""
        }
      } else if (c == "}" || c == "]") {
        if (depth < 1) { bad = 1; exit }
        if (inasset && depth == 3) {
          if (aname == want) { hits++; found = adigest }
          inasset = 0
        }
        depth--; colon = 0
      } else if (c == ":") colon = 1
      else if (c == ",") colon = 0
    }
    instr = 1; out = 1; s = ""
    next
  }
  out = 0; s = s $0
  m = 0; n = length($0)
  while (m < n && substr($0, n - m, 1) == "\\") m++
  if (m % 2 == 1) { s = s "\""; next }
  if (depth > 0 && type[depth] == "o" && !colon) key[depth] = s
  else {
    if (inasset && depth == 3) {
      if (key[3] == "name") aname = s
      else if (key[3] == "digest") adigest = s
    }
    colon = 0
  }
  instr = 0
}
END {
  if (bad || depth != 0 || !out || type[1] != "o") exit 5
  if (hits == 0) exit 3
  if (hits > 1) exit 4
  print found
}'

digest_from_release_json() {
  local file="$1" asset="$2" d rc=0
  d="$(awk -v want="$asset" "$_release_json_awk" "$file")" || rc=$?
  case "$rc" in
    0) ;;
    3) printf 'release API answer %s: no asset named %s\n' "$file" "$asset" >&2; return 1 ;;
    4) printf 'release API answer %s: more than one asset named %s\n' "$file" "$asset" >&2; return 1 ;;
    *) printf 'release API answer %s: not a complete JSON object\n' "$file" >&2; return 1 ;;
  esac
  case "$d" in
    sha256:*) d="${d#sha256:}" ;;
    *) d="" ;;
  esac
  _digest_or_fail "release API answer $file: asset $asset has no \"digest\": \"sha256:<64 hex>\"" "$d"
}
