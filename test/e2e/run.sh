#!/usr/bin/env bash
# The E2E step of CI: installs the harness when needed (first time ~90 s), builds the extension,
# and runs the extension-host suite and the UI checks in real VS Code. Screenshots: test-output/e2e/.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/e2e/install.sh
node scripts/build.mjs --quiet >/dev/null 2>&1 || node scripts/build.mjs
exec node test/e2e/runner.mjs "$@"
