import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeModelProto } from '../../core/formats/onnx/codec';
import { loadModel, saveModel } from '../../core/formats/onnx/io';
import { openModel } from '../../core/formats/open';
import { CliError, str, type Command } from '../command';
import { formatBytes, formatInteger, formatNumber, formatPercent } from '../../core/base/units';
import { describe } from './inspect';
import { quantizeStep } from './demo-quantize';
import { analyzeStep } from './demo-analyze';
import type { DemoStep } from './demo-step';
import { runPruneJob } from '../../core/jobs/prune';

const inspectStep: DemoStep = {
  title: 'Inspect the sample model',
  async run({ model, io }) {
    io.out(describe(openModel(model).summary()));
  },
};

const roundTripStep: DemoStep = {
  title: 'Round-trip it through the ONNX codec and external data',
  async run({ model, workDir, io }) {
    const original = fs.readFileSync(model);
    let t0 = performance.now();
    const m = loadModel(model);
    const decodeMs = performance.now() - t0;
    t0 = performance.now();
    const again = encodeModelProto(m.proto);
    const encodeMs = performance.now() - t0;
    const identical = Buffer.compare(Buffer.from(again.buffer, again.byteOffset, again.byteLength), original) === 0;
    io.out(`decode ${formatNumber(decodeMs)} ms, re-encode ${formatNumber(encodeMs)} ms: ${identical ? 'byte-identical' : 'DIFFERENT BYTES'}`);
    if (!identical) throw new CliError(`${model}: re-encoding changed the bytes`);

    const external = path.join(workDir, 'fmnist_cnn.external.onnx');
    const r = saveModel(m, external, { weights: 'external' });
    const back = path.join(workDir, 'fmnist_cnn.inline.onnx');
    saveModel(loadModel(external), back, { weights: 'inline' });
    const same = Buffer.compare(fs.readFileSync(back), original) === 0;
    io.out(`weights moved to external data: ${path.basename(r.file)} ${formatBytes(r.bytes)} + ${path.basename(r.externalFile!)} ${formatBytes(r.externalBytes!)}`);
    io.out(`and back inline: ${same ? 'byte-identical to the original' : 'DIFFERENT BYTES'}`);
    if (!same) throw new CliError(`${model}: external -> inline round trip changed the bytes`);
  },
};

const pruneStep: DemoStep = {
  title: 'Prune 30% of its channels and measure the accuracy cost',
  async run({ model, workDir, io }) {
    const fixtures = path.dirname(model);
    const data = path.join(fixtures, 'fmnist_train1k_u8.npy');
    const labels = path.join(fixtures, 'fmnist_train1k_labels.npy');
    const haveData = fs.existsSync(data) && fs.existsSync(labels);
    const r = await runPruneJob(model, {
      method: 'channel', sparsity: 0.3, out: path.join(workDir, 'fmnist_cnn.pruned.onnx'), perGroup: false,
      evalData: haveData ? data : undefined, labels: haveData ? labels : undefined, signal: io.signal,
    });
    if (r.report.method !== 'channel') return;
    io.out(`parameters ${formatInteger(r.report.paramsBefore)} -> ${formatInteger(r.report.paramsAfter)} (-${formatPercent(1 - r.report.paramsAfter / r.report.paramsBefore)}), file ${formatBytes(r.fileBytesBefore)} -> ${formatBytes(r.fileBytesAfter)}`);
    for (const g of r.report.left) io.out(`left whole: ${g.sources.join(', ')}: ${g.reasons[0]}`);
    if (r.evaluation) io.out(`top-1 on ${r.evaluation.samples} samples: ${formatPercent(r.evaluation.top1Before)} -> ${formatPercent(r.evaluation.top1After)} (no fine-tuning)`);
  },
};

/** The demo, in order. Later features add their steps here. */
export const demoSteps: DemoStep[] = [inspectStep, roundTripStep, quantizeStep, pruneStep, analyzeStep];

export const demo: Command = {
  name: 'demo',
  usage: [
    'usage: edgewise demo [--out DIR]',
    '',
    'Runs every demo step on the bundled Fashion-MNIST CNN (test/fixtures/fmnist_cnn.onnx).',
    '',
    '  --out DIR   keep the files the steps write in DIR (default: a temporary folder, removed)',
  ].join('\n'),
  options: { out: { type: 'string' } },
  async run(args, io) {
    const model = samplePath();
    const keep = str(args, 'out');
    const workDir = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-demo-'));
    fs.mkdirSync(workDir, { recursive: true });
    try {
      for (const [i, step] of demoSteps.entries()) {
        if (io.signal.aborted) throw new CliError('cancelled', 130);
        io.out(`${i > 0 ? '\n' : ''}== ${i + 1}. ${step.title}`);
        await step.run({ model, workDir, io });
      }
      if (keep) io.out(`\nOutputs are in ${workDir}`);
      return 0;
    } finally {
      if (!keep) fs.rmSync(workDir, { recursive: true, force: true });
    }
  },
};

/** The sample model, found from the bundle (dist/) or the sources (src/cli/commands/). */
export function samplePath(): string {
  for (const up of ['..', '../../..']) {
    const p = path.resolve(__dirname, up, 'test', 'fixtures', 'fmnist_cnn.onnx');
    if (fs.existsSync(p)) return p;
  }
  throw new CliError('the sample model test/fixtures/fmnist_cnn.onnx is missing from this checkout');
}
