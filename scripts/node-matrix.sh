#!/usr/bin/env bash
# Builds kne and runs the whole suite on each Node major given (default: 22 24), with the node binary from the
# `node` npm package (it installs from the registry, no other download). CI runs Node 20 only; this is by hand.
# Usage: scripts/node-matrix.sh [MAJOR...]   Cache: $KNE_NODE_MATRIX_DIR or ~/.cache/kne/node-matrix
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cache="${KNE_NODE_MATRIX_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kne/node-matrix}"
versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(22 24)
export OCLIF_SKIP_NEW_VERSION_CHECK=true

summary=()
failed=0
for major in "${versions[@]}"; do
  prefix="$cache/$major"
  bin="$prefix/node_modules/node/bin"
  if [ ! -x "$bin/node" ]; then
    echo "== installing node@$major into $prefix"
    mkdir -p "$prefix"
    # Outside the project, so its .npmrc (engine-strict) and lockfile play no part.
    (cd "$prefix" && npm install --no-audit --no-fund --no-save --prefix "$prefix" "node@$major" >/dev/null) || {
      summary+=("node $major: install failed"); failed=1; continue
    }
  fi
  version=$("$bin/node" --version)
  echo "== $version: build and test"
  report=$(mktemp)
  status=0
  # npm and npx are scripts run by the first `node` on PATH, so everything below runs on this version.
  PATH="$bin:$PATH" npm run build >/dev/null || status=$?
  if [ $status -ne 0 ]; then
    summary+=("$version: build failed"); failed=1; rm -f "$report"; continue
  fi
  PATH="$bin:$PATH" npx vitest run --reporter=default --reporter=json --outputFile="$report" || status=$?
  counts=$("$bin/node" -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
    const failedTests = r.testResults.flatMap(f => f.assertionResults.filter(a => a.status === "failed")
      .map(a => `    ${require("path").relative(process.argv[2], f.name)}: ${a.fullName}`))
    const failedFiles = r.testResults.filter(f => f.status === "failed" && f.assertionResults.length === 0)
      .map(f => `    ${require("path").relative(process.argv[2], f.name)}: ${(f.message || "").split("\n")[0]}`)
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`)
    for (const line of [...failedTests, ...failedFiles]) console.log(line)
  ' "$report" "$root" 2>/dev/null || echo "no report")
  rm -f "$report"
  summary+=("$version: $counts")
  [ $status -ne 0 ] && failed=1
done

# Leave dist built by the Node on PATH, as the rest of the tooling expects.
npm run build >/dev/null || failed=1
echo
echo "== node matrix"
for line in "${summary[@]}"; do echo "$line"; done
exit $failed
