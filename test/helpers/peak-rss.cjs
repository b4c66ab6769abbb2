// Preloaded (node --require) into a CLI run a test measures: at exit, writes the process's peak
// resident memory (KiB) to the file named by EDGEWISE_PEAK_RSS_FILE. VmHWM, not getrusage's
// maxRSS: Linux carries the parent's peak at fork into a child's maxRSS across exec, so a child
// of a large test runner would report the runner's memory.
const fs = require('node:fs');
const out = process.env.EDGEWISE_PEAK_RSS_FILE;
if (out) {
  process.on('exit', () => {
    let kib;
    try {
      kib = Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
    } catch {
      kib = process.resourceUsage().maxRSS;
    }
    fs.writeFileSync(out, String(kib));
  });
}
