/** Optimizer settings, with PyTorch's meanings and defaults. */
export interface OptimizerOptions {
  kind: 'sgd' | 'adam' | 'adamw';
  /** SGD momentum (default 0: plain SGD). */
  momentum?: number;
  /** L2 penalty added to the gradient (sgd, adam) or decoupled decay (adamw, default 0.01 there, else 0). */
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** What a checkpoint keeps of an optimizer: the step count and every state buffer. */
export interface OptimizerState {
  step: number;
  /** Per parameter: SGD's momentum buffer, or Adam's first and second moments. */
  slots: Float32Array[][];
}

/**
 * SGD (with momentum), Adam and AdamW updating float32 weights in place from float32 gradients.
 * State lives in typed arrays, one set per parameter, allocated once.
 */
export class Optimizer {
  private step = 0;
  private slots: Float32Array[][];

  constructor(readonly options: OptimizerOptions, sizes: readonly number[]) {
    const count = options.kind === 'sgd' ? ((options.momentum ?? 0) > 0 ? 1 : 0) : 2;
    this.slots = sizes.map((n) => Array.from({ length: count }, () => new Float32Array(n)));
  }

  get weightDecay(): number {
    return this.options.weightDecay ?? (this.options.kind === 'adamw' ? 0.01 : 0);
  }

  /** One update of every parameter with learning rate `lr`. */
  apply(lr: number, params: readonly Float32Array[], grads: readonly Float32Array[]): void {
    this.step++;
    params.forEach((w, i) => {
      if (this.options.kind === 'sgd') this.sgd(lr, w, grads[i], this.slots[i]);
      else this.adam(lr, w, grads[i], this.slots[i]);
    });
  }

  private sgd(lr: number, w: Float32Array, g: Float32Array, slots: Float32Array[]): void {
    const wd = this.weightDecay;
    const momentum = this.options.momentum ?? 0;
    const buf = slots[0];
    for (let i = 0; i < w.length; i++) {
      let d = g[i] + wd * w[i];
      if (buf) d = buf[i] = momentum * buf[i] + d;
      w[i] -= lr * d;
    }
  }

  private adam(lr: number, w: Float32Array, g: Float32Array, [m, v]: Float32Array[]): void {
    const b1 = this.options.beta1 ?? 0.9;
    const b2 = this.options.beta2 ?? 0.999;
    const eps = this.options.epsilon ?? 1e-8;
    const decoupled = this.options.kind === 'adamw';
    const wd = this.weightDecay;
    const c1 = 1 - b1 ** this.step;
    const sqrtC2 = Math.sqrt(1 - b2 ** this.step);
    const stepSize = lr / c1;
    const shrink = decoupled ? 1 - lr * wd : 1;
    const l2 = decoupled ? 0 : wd;
    for (let i = 0; i < w.length; i++) {
      const d = g[i] + l2 * w[i];
      const mi = m[i] = b1 * m[i] + (1 - b1) * d;
      const vi = v[i] = b2 * v[i] + (1 - b2) * d * d;
      w[i] = w[i] * shrink - (stepSize * mi) / (Math.sqrt(vi) / sqrtC2 + eps);
    }
  }

  state(): OptimizerState {
    return { step: this.step, slots: this.slots };
  }

  restore(s: OptimizerState): void {
    if (s.slots.length !== this.slots.length || s.slots.some((p, i) => p.length !== this.slots[i].length || p.some((a, k) => a.length !== this.slots[i][k].length))) {
      throw new Error('the saved optimizer state does not match this optimizer and these parameters');
    }
    this.step = s.step;
    this.slots = s.slots;
  }
}
