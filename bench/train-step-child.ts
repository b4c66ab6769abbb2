// One training-step measurement in a fresh process (so peak RSS is this model's own), for bench/train.ts.
// usage: tsx bench/train-step-child.ts MODEL THREADS BATCH STEPS  -> JSON on stdout
import * as ort from 'onnxruntime-node';
import { loadModel } from '../src/core/formats/onnx/io';
import { TrainingSession } from '../src/core/runtime/training-session';

async function main(): Promise<void> {
  const [file, threadsArg, batchArg, stepsArg] = process.argv.slice(2);
  const threads = Number(threadsArg);
  const batch = Number(batchArg);
  const t0 = performance.now();
  const session = await TrainingSession.create(loadModel(file), { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd', momentum: 0.9 }, threads });
  const setupSeconds = (performance.now() - t0) / 1000;
  const x = new Float32Array(batch * 784);
  for (let i = 0; i < x.length; i++) x[i] = Math.random();
  const data = { inputs: { [session.graph.dataInputs[0]]: new ort.Tensor('float32', x, [batch, 1, 28, 28]) }, labels: Int32Array.from({ length: batch }, (_, i) => i % 10) };
  for (let i = 0; i < 3; i++) await session.step(data, 0.01);
  const times: number[] = [];
  for (let i = 0; i < Number(stepsArg); i++) {
    const s = performance.now();
    await session.step(data, 0.01);
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const params = session.parameters.reduce((n, p) => n + p.values.length, 0);
  await session.release();
  process.stdout.write(JSON.stringify({ params, setupSeconds, stepMs: median, imagesPerSecond: (batch * 1000) / median, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
}

void main();
