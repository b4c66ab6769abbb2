// The baseline the harness compares `edgewise bench` with: a bare session.run loop in a fresh
// process, written independently of src/ (same settings: 1 thread, opt level all, no spinning).
// Usage: node bench/bare-loop.cjs MODEL [warmup] [runs] -> prints {"p50Ms": ..., "samplesMs": [...]}
const ort = require('onnxruntime-node');

async function main() {
  const [model, warmup = '10', runs = '100'] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
  const feeds = {};
  for (const m of session.inputMetadata) {
    const shape = m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
    const n = shape.reduce((a, b) => a * b, 1);
    if (m.type !== 'float32') throw new Error(`bare loop only feeds float32 inputs; '${m.name}' is ${m.type}`);
    feeds[m.name] = new ort.Tensor('float32', Float32Array.from({ length: n }, () => Math.random()), shape);
  }
  // Warm-up goes through the same timing code, so V8 has compiled it before the timed runs
  // (with a 0.1 ms model, interpreted timing code alone adds a few percent).
  const timed = async () => {
    const t0 = performance.now();
    await session.run(feeds);
    return performance.now() - t0;
  };
  await timed();
  for (let i = 0; i < Number(warmup); i++) await timed();
  const samplesMs = [];
  for (let i = 0; i < Number(runs); i++) samplesMs.push(await timed());
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const rank = 0.5 * (sorted.length - 1);
  const p50Ms = sorted[Math.floor(rank)] + (sorted[Math.ceil(rank)] - sorted[Math.floor(rank)]) * (rank - Math.floor(rank));
  process.stdout.write(JSON.stringify({ p50Ms, samplesMs }) + '\n');
}

main().catch((e) => { process.stderr.write(`${e.message}\n`); process.exit(1); });
