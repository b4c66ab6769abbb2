/** Learning-rate schedule: linear warm-up from 0, then constant or cosine decay to 0. */
export interface ScheduleOptions {
  lr: number;
  schedule?: 'constant' | 'cosine';
  warmupSteps?: number;
}

/** The learning rate of step `step` (0-based) of `totalSteps`. */
export function learningRate(s: ScheduleOptions, step: number, totalSteps: number): number {
  const warmup = s.warmupSteps ?? 0;
  if (step < warmup) return (s.lr * (step + 1)) / warmup;
  if (s.schedule !== 'cosine') return s.lr;
  const span = Math.max(1, totalSteps - warmup);
  const progress = Math.min(1, (step - warmup) / span);
  return 0.5 * s.lr * (1 + Math.cos(Math.PI * progress));
}
