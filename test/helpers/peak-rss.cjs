// Preloaded (node --require) into a CLI run a test measures: at exit, writes the process's peak
// resident memory (getrusage maxRSS, KiB) to the file named by EDGEWISE_PEAK_RSS_FILE.
const fs = require('node:fs');
const out = process.env.EDGEWISE_PEAK_RSS_FILE;
if (out) process.on('exit', () => fs.writeFileSync(out, String(process.resourceUsage().maxRSS)));
