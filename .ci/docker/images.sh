#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# CI only (.ci/run): container images built with a real Docker engine and run the way the
# manifests run them, on this offline CI machine (.ci/docker/README.md).
#   1. a Docker daemon (Debian's docker.io installed and dockerd started when missing)
#   2. the stand-in base image node:<version>-bookworm-slim (built once, offline: base-image.sh)
#   3. pingpong/ponger and pingpong/pinger :<package.json version> by the product's
#      scripts/docker/build-image.sh (the CA bundle as the build secret), with each image's size
#   4. checks of the images' contents (user, no dev dependencies, no CA bundle, entrypoint)
#   5. the smoke test (scripts/docker/smoke.ts), and a check that it fails on a broken image
# Idempotent; each phase is bounded by `timeout`. Exits non-zero with a message on any failure.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

NODE_BIN="$REPO_ROOT/node_modules/.bin/node"
[ -x "$NODE_BIN" ] || die "$NODE_BIN missing: run npm ci first (the smoke test runs on the repo's Node 24)"
phase() {
  local limit="$1" what="$2"
  shift 2
  step "$what (limit ${limit}s)"
  timeout --foreground --kill-after=10 "$limit" "$@" || {
    local rc=$?
    [ "$rc" -ne 124 ] || die "$what: timed out after ${limit}s"
    die "$what: failed (exit $rc)"
  }
}

ensure_docker
version="$(project_version)"
phase 1200 "stand-in base image $(base_image)" bash .ci/docker/base-image.sh
phase 900 "build pingpong/ponger:$version pingpong/pinger:$version" bash scripts/docker/build-image.sh ponger pinger

step "image sizes"
for svc in ponger pinger; do
  printf '  %-24s %s\n' "pingpong/$svc:$version" "$(image_size "pingpong/$svc:$version")"
done

step "image contents"
for svc in ponger pinger; do
  image="pingpong/$svc:$version"
  user="$("$DOCKER" image inspect --format '{{.Config.User}}' "$image")"
  [ "$user" = "10001:10001" ] || die "$image: USER is \"$user\" (expected 10001:10001)"
  entry="$("$DOCKER" image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Config.WorkingDir}}' "$image")"
  # exactly the ENTRYPOINT services/Dockerfile declares (node, its flags, the service's main; ADR
  # 0015), read by the same parser as the Dockerfile check; no CMD
  # shellcheck disable=SC2016  # the script is JavaScript: ${svc} is its own template
  want="$("$NODE_BIN" --input-type=module -e '
    import { readFileSync } from "node:fs";
    import { entrypointNodeFlags } from "./scripts/docker/dockerfile-check.ts";
    const svc = process.argv[1];
    const flags = entrypointNodeFlags(readFileSync("services/Dockerfile", "utf8"), svc);
    console.log(JSON.stringify(["node", ...flags, `dist/${svc}/src/main.js`]));' "$svc")"
  [ "$entry" = "$want null /app" ] || die "$image: entrypoint/cmd/workdir are $entry (expected $want null /app)"
  # Nothing but production dependencies and this service's code; no CA bundle from the build.
  # shellcheck disable=SC2016  # the script runs inside the container
  out="$("$DOCKER" run --rm --read-only --user 10001:10001 --cap-drop ALL --entrypoint sh "$image" -c '
    for p in node_modules/node node_modules/typescript node_modules/mocha node_modules/.bin/tsc /run/secrets/npm_ca src .git; do
      [ ! -e "/app/$p" ] && [ ! -e "$p" ] || echo "unexpected: $p"
    done
    ls /app/dist | tr "\n" " "
    touch /app/x 2>/dev/null && echo "unexpected: /app writable"
    true')"
  case "$out" in
    *unexpected*) die "$image: $out" ;;
  esac
  [ "$(echo "$out" | xargs)" = "$svc shared" ] || [ "$(echo "$out" | xargs)" = "shared $svc" ] \
    || die "$image: /app/dist holds \"$out\" (expected only $svc and shared)"
  printf '  %-24s user 10001:10001, entrypoint %s, prod deps only, dist: %s\n' "$image" "$want" "$(echo "$out" | xargs)"
done

phase 300 "smoke test" "$NODE_BIN" scripts/docker/smoke.ts

# The smoke test must fail on a broken image: a ponger whose process exits at once.
step "smoke test self-check: a ponger that dies at start must fail it"
bad_tag="selfcheck-broken"
printf 'FROM pingpong/ponger:%s\nENTRYPOINT ["node", "-e", "process.exit(3)"]\n' "$version" \
  | "$DOCKER" build -q -t "pingpong/ponger:$bad_tag" - >/dev/null
"$DOCKER" tag "pingpong/pinger:$version" "pingpong/pinger:$bad_tag"
set +e
selfcheck_out="$(SMOKE_TAG="$bad_tag" timeout 120 "$NODE_BIN" scripts/docker/smoke.ts 2>&1)"
selfcheck_rc=$?
set -e
"$DOCKER" rmi "pingpong/ponger:$bad_tag" "pingpong/pinger:$bad_tag" >/dev/null
[ "$selfcheck_rc" -eq 1 ] || die "smoke self-check: exit $selfcheck_rc with a broken ponger (expected 1); output: $selfcheck_out"
grep -q 'smoke test FAILED: .*ponger.* is exited' <<<"$selfcheck_out" \
  || die "smoke self-check: failed without naming the dead ponger: $selfcheck_out"
log "  the smoke test fails on it: $(grep 'smoke test FAILED' <<<"$selfcheck_out")"
step "images OK"
