// Preloaded (node --require) into a CLI run a test checks: at exit, writes the files loaded through
// require (the CLI bundle's externals: onnxruntime-node, sharp, ssh2's cpu-features) as a JSON list
// to the file named by EDGEWISE_LOADED_FILE.
const fs = require('node:fs');
const out = process.env.EDGEWISE_LOADED_FILE;
if (out) process.on('exit', () => fs.writeFileSync(out, JSON.stringify(Object.keys(require.cache))));
