/**
 * A rehearsal of a model's first frame, on a small built-in graph, while the page waits for the
 * model (the worker is still decoding it): unpacked, modelled, laid out by the page's own layout
 * and drawn to a canvas that is never shown. V8 compiles each function at its first call and the
 * canvas sets up its label font at its first text; done here, in time the page would spend idle,
 * the model's own first frame no longer pays for them. Each step is a task of its own, behind any
 * other (the model's message first), and none runs once the model is here: it never delays the
 * model by more than the step it is in.
 */
import { FIRST_DIRECTION, FIRST_SHOW_CONSTANTS, firstExpansion, firstScreenModel } from '../src/core/graph/first-screen';
import type { GraphModel } from '../src/core/graph/graph-model';
import { quickLayout } from '../src/core/graph/layout/quick-layout';
import type { LayoutResult } from '../src/core/graph/layout/types';
import { packViewGraphText, viewGraphOf } from '../src/core/graph/packed';
import type { TextMetrics } from '../src/core/graph/text-metrics';
import type { TensorInfo, ViewGraph, ViewNode, WeightInfo } from '../src/core/graph/types';
import { valueRecord } from '../src/core/graph/types';
import { Scene } from './render/scene';
import type { Theme } from './render/theme';
import { penOf } from './render/viewport';

export interface RehearsalStage {
  theme: Theme;
  metrics: TextMetrics;
  /** True once the model is here (or the page has anything else to do): the next steps are skipped. */
  stop: () => boolean;
}

/** What a rehearsal did, for tests: the steps it ran and the items it drew. */
export interface Rehearsed { steps: number; items: number }

/** Runs the rehearsal's steps, one task each, until done or `stage.stop()`. */
export function rehearse(stage: RehearsalStage): Promise<Rehearsed> {
  let graph: ViewGraph | undefined, model: GraphModel | undefined, laidOut: LayoutResult | undefined;
  const done: Rehearsed = { steps: 0, items: 0 };
  const steps: (() => void)[] = [
    () => { graph = viewGraphOf(packViewGraphText(rehearsalGraph())); },
    () => { model = firstScreenModel(graph!, stage.metrics, FIRST_SHOW_CONSTANTS); },
    () => { laidOut = quickLayout(model!.layoutTree(firstExpansion(model!)), FIRST_DIRECTION); },
    () => { done.items = draw(model!, laidOut!, stage.theme); },
  ];
  return new Promise((resolve) => {
    const next = (): void => {
      if (done.steps === steps.length || stage.stop()) return resolve(done);
      steps[done.steps++]();
      afterOtherTasks(next);
    };
    afterOtherTasks(next);
  });
}

interface PostTask { postTask(f: () => void, options: { priority: 'background' }): Promise<void> }

/**
 * Runs `f` after the page's other tasks: a background task of Chromium's scheduler, where the
 * page has one, so that the model's message, queued after a step was, still comes first (a
 * timer's task would run before it); else a timer.
 */
function afterOtherTasks(f: () => void): void {
  const scheduler = (globalThis as { scheduler?: Partial<PostTask> }).scheduler;
  if (typeof scheduler?.postTask === 'function') void scheduler.postTask(f, { priority: 'background' });
  else setTimeout(f, 0);
}

/** Draws the laid-out model at full scale (labels and all) onto a canvas outside the document, as the viewport draws a frame. */
function draw(model: GraphModel, laidOut: LayoutResult, theme: Theme): number {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 64;
  const { ctx, painter, fast } = penOf(canvas);
  const scene = new Scene(model, laidOut);
  // Everything in view: every item is drawn, and clipped by the canvas.
  const view = { x: -1e9, y: -1e9, w: 2e9, h: 2e9 };
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  scene.draw(painter, { theme, scale: 1, view, selected: null, highlighted: new Set(), overlay: null }, fast);
  return scene.items.length;
}

/**
 * Two residual blocks in named scopes (so groups, all open on so small a first screen),
 * convolutions with weights and attributes, shapes on the edges, a long input name, and an
 * unscoped head: the kinds of things a first screen draws.
 */
function rehearsalGraph(): ViewGraph {
  const values = valueRecord();
  const tensor = (name: string, shape: number[]): TensorInfo => (values[name] = { name, dtype: 'float32', shape });
  const weight = (name: string, shape: number[]): WeightInfo => {
    const elements = shape.reduce((a, b) => a * b, 1);
    return { name, dtype: 'float32', shape, bytes: elements * 4, elements };
  };
  const nodes: ViewNode[] = [];
  const node = (scope: string[], opType: string, inputs: string[], output: string, shape: number[], weights: WeightInfo[] = []): string => {
    const name = `/${[...scope, opType].join('/')}_${nodes.length}`;
    tensor(output, shape);
    nodes.push({
      id: name, name, opType, domain: '', inputs: [...inputs, ...weights.map((w) => w.name)], outputs: [output],
      attributes: opType === 'Conv' ? [{ name: 'kernel_shape', type: 'ints', value: '3, 3' }, { name: 'pads', type: 'ints', value: '1, 1, 1, 1' }] : [],
      weights, weightBytes: weights.reduce((a, w) => a + w.bytes, 0), scope, subgraphs: [],
    });
    return output;
  };
  const input = tensor('pixel_values_of_the_input_image', [1, 16, 32, 32]);
  let x = node(['stem'], 'Conv', [input.name], 'stem_out', [1, 16, 32, 32], [weight('stem.w', [16, 16, 3, 3]), weight('stem.b', [16])]);
  for (const block of ['block.0', 'block.1']) {
    const scope = ['encoder', block];
    const a = node(scope, 'Conv', [x], `${block}.a`, [1, 16, 32, 32], [weight(`${block}.a.w`, [16, 16, 3, 3])]);
    const r = node(scope, 'Relu', [a], `${block}.r`, [1, 16, 32, 32]);
    const b = node(scope, 'Conv', [r], `${block}.b`, [1, 16, 32, 32], [weight(`${block}.b.w`, [16, 16, 3, 3])]);
    x = node(scope, 'Add', [b, x], `${block}.sum`, [1, 16, 32, 32]);
  }
  const pooled = node([], 'GlobalAveragePool', [x], 'pooled', [1, 16, 1, 1]);
  const flat = node([], 'Flatten', [pooled], 'flat', [1, 16]);
  const logits = node([], 'Gemm', [flat], 'logits', [1, 10], [weight('head.w', [10, 16]), weight('head.b', [10])]);
  const probs = node([], 'Softmax', [logits], 'probabilities', [1, 10]);
  return { name: 'rehearsal', nodes, inputs: [input], outputs: [values[probs]], values };
}
