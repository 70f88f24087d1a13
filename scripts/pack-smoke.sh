#!/usr/bin/env bash
# Packs kne as npm would publish it, installs the tarball into an empty prefix, and runs that install as a user
# would: kne --version, a scaffold from the packaged templates, kne dev --port 0 in the background, kne send
# to it (found through kne dev's locator), and the web console's files served by it.
# .ci/run calls it after the tests; it needs the npm registry for kne's dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
export OCLIF_SKIP_NEW_VERSION_CHECK=true
work=$(mktemp -d "${TMPDIR:-/tmp}/kne-pack-smoke.XXXXXX")
dev_pid=
cleanup() {
  if [ -n "$dev_pid" ] && kill -0 "$dev_pid" 2>/dev/null; then
    kill -TERM "$dev_pid"
    wait "$dev_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "pack-smoke: $*" >&2
  for f in "$work"/dev.out "$work"/dev.err; do [ -s "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
  exit 1
}

started=$(date +%s)
# prepack builds and writes oclif.manifest.json into the tarball; postpack removes it from the tree again.
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
[ -f "$work/$tarball" ] || fail "npm pack wrote no tarball"
echo "pack-smoke: packed $tarball ($(du -k "$work/$tarball" | cut -f1) KiB)"
npm install --global --prefix "$work/prefix" --no-audit --no-fund "$work/$tarball" >/dev/null || fail "npm install of $tarball failed"
kne="$work/prefix/bin/kne"

# The install's own folders, and no mesh of the developer's: only the kne dev started below.
export KNE_DATA_DIR="$work/data" KNE_CACHE_DIR="$work/cache" KNE_CONFIG_DIR="$work/config" NO_COLOR=1
unset KNE_URL
cd "$work"

expected="kne/$(node -p 'require(process.argv[1]).version' "$OLDPWD/package.json")"
version=$("$kne" --version) || fail "kne --version failed"
[[ "$version" == "$expected "* ]] || fail "kne --version printed '$version', expected $expected"
# The scaffolding reads templates/ from the package: a missing file in `files` shows here.
"$kne" broker create smoke --dry-run 2>/dev/null | grep -q 'kind: Broker' || fail "kne broker create --dry-run did not print a Broker"

"$kne" dev --port 0 --json >"$work/dev.out" 2>"$work/dev.err" &
dev_pid=$!
url=
for _ in $(seq 1 300); do
  url=$(node -e '
    for (const line of require("fs").readFileSync(process.argv[1], "utf8").split("\n")) {
      try { const r = JSON.parse(line); if (r.kind === "ready") { console.log(r.url); break } } catch {}
    }' "$work/dev.out")
  [ -n "$url" ] && break
  kill -0 "$dev_pid" 2>/dev/null || fail "kne dev exited before it was ready"
  sleep 0.1
done
[ -n "$url" ] || fail "kne dev did not report ready within 30 s"

sent=$("$kne" send --type dev.kne.pack-smoke --data '{"ok":true}' --json) || fail "kne send failed: $sent"
node -e '
  const r = JSON.parse(process.argv[1])
  if (JSON.stringify(r).indexOf("dev.kne.pack-smoke") < 0) { console.error("kne send --json does not show the event"); process.exit(1) }
' "$sent" || fail "unexpected kne send output: $sent"

# The console's files ship in the package (dist/console): the installed kne dev serves its page and script.
node -e '
  (async () => {
    for (const path of ["/_kne/ui/", "/_kne/ui/app.js"]) {
      const answer = await fetch(process.argv[1] + path)
      if (answer.status !== 200) { console.error(path + " answered " + answer.status); process.exit(1) }
    }
  })()' "$url" || fail "the packed install does not serve the console"

kill -TERM "$dev_pid"
code=0
wait "$dev_pid" || code=$?
dev_pid=
[ "$code" -eq 0 ] || [ "$code" -eq 143 ] || [ "$code" -eq 130 ] || fail "kne dev exited with $code on SIGTERM"
echo "pack-smoke: $version ran kne dev at $url and kne send from the packed install ($(($(date +%s) - started)) s)"
