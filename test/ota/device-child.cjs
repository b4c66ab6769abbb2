// One device-update cycle in its own process, for the crash tests. It loads the built library
// the way an app does (`require('edgewise/ota')`, the package's "exports"), prints each progress
// step as a JSON line, and kills itself with SIGKILL (no cleanup, no flush) at the step it is
// told. Modes: 'update' (default), 'current' (print currentModelPath), 'fill-disk' (another app
// fills the device's file system as soon as the download starts).
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { ModelUpdater } = require('edgewise/ota');

const cfg = JSON.parse(process.argv[2]);
const out = (o) => process.stdout.write(JSON.stringify({ t: Date.now(), ...o }) + '\n');

function matches(p) {
  const k = cfg.killAt;
  if (!k || k.step !== p.step) return false;
  if (k.detail && !String(p.detail ?? '').includes(k.detail)) return false;
  return k.bytes === undefined || (p.bytes ?? 0) >= k.bytes;
}

function fillDisk(file) {
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (e) {
    if (e.code !== 'ENOSPC') throw e;
  } finally {
    fs.closeSync(fd);
  }
}

async function main() {
  const u = new ModelUpdater(cfg.options);
  if (cfg.mode !== 'current') {
    let filled = false;
    try {
      const result = await u.checkForUpdate({
        onProgress: (p) => {
          out({ progress: p });
          if (matches(p)) process.kill(process.pid, 'SIGKILL');
          if (cfg.mode === 'fill-disk' && p.step === 'download' && !filled) {
            filled = true;
            fillDisk(path.join(cfg.options.dir, 'other-app-data'));
          }
        },
      });
      out({ result });
    } catch (e) {
      out({ error: e.message, phase: e.phase });
    }
  }
  // Read here: in the full-disk run the device folder is a tmpfs that ends with this process.
  const current = await u.currentModelPath();
  const staging = path.join(cfg.options.dir, 'staging');
  out({ current, sha256: createHash('sha256').update(fs.readFileSync(current)).digest('hex'), staging: fs.existsSync(staging) ? fs.readdirSync(staging) : [] });
}

void main();
