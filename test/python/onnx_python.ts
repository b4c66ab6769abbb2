import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Debian's python3-onnx, the independent reference some tests compare with. */
export const PYTHON = '/usr/bin/python3';

let available: string | undefined | null = null;

/** Why python3-onnx cannot be used, or undefined when it can. */
export function pythonOnnxMissing(): string | undefined {
  if (available === null) {
    if (!fs.existsSync(PYTHON)) available = `${PYTHON} is not installed`;
    else {
      const r = spawnSync(PYTHON, ['-c', 'import onnx, numpy'], { encoding: 'utf8' });
      available = r.status === 0 ? undefined : `python3-onnx is not installed (apt-get install python3-onnx): ${r.stderr.trim().split('\n').pop()}`;
    }
  }
  return available;
}

/** Runs one of the scripts in test/python with arguments and parses its JSON stdout. */
export function runPythonJson<T>(script: string, args: string[]): T {
  const r = spawnSync(PYTHON, [path.join(__dirname, script), ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

let torch: string | undefined | null = null;

/** Why Debian's python3-torch cannot be used (the training tests' reference), or undefined when it can. */
export function torchMissing(): string | undefined {
  if (torch === null) {
    const r = spawnSync(PYTHON, ['-c', 'import torch, onnx, numpy'], { encoding: 'utf8' });
    torch = r.status === 0 ? undefined : `python3-torch is not installed (apt-get install python3-torch): ${r.stderr.trim().split('\n').pop()}`;
  }
  return torch;
}
