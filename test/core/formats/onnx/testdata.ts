import * as fs from 'node:fs';
import * as path from 'node:path';

/** Debian's libonnx-testdata: ONNX's backend test models with input/output TensorProto files. */
export const TESTDATA = '/usr/share/libonnx-testdata/data';

export function hasTestdata(): boolean {
  return fs.existsSync(TESTDATA);
}

/** Every `model.onnx` under the test data, sorted. */
export function testdataModels(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'model.onnx') out.push(p);
    }
  };
  if (hasTestdata()) walk(TESTDATA);
  return out.sort();
}

export function testdataModel(name: string): string {
  for (const group of ['node', 'simple', 'pytorch-converted', 'pytorch-operator', 'real']) {
    const p = path.join(TESTDATA, group, name, 'model.onnx');
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`no test data model '${name}'`);
}
