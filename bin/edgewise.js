#!/usr/bin/env node
// dist/cli.js compiled with V8's code cache (src/cli/launch.ts).
require('../dist/launch.js').launch(process.argv.slice(2));
