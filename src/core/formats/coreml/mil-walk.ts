import type { Block, Function as MilFunction, Operation, Program } from './proto/mil_pb';
import type { Model } from './proto/model_pb';

/** The block a function runs: the specialization its `opset` names (else the first). */
export function functionBlock(fn: MilFunction): Block | undefined {
  return fn.blockSpecializations[fn.opset] ?? Object.values(fn.blockSpecializations)[0];
}

/** The function shown as the model's graph: the description's default, 'main', or the first. */
export function mainFunction(program: Program, preferred?: string): [string, MilFunction] | undefined {
  const names = Object.keys(program.functions);
  const name = (preferred && program.functions[preferred] ? preferred : undefined) ?? (program.functions.main ? 'main' : names[0]);
  return name === undefined ? undefined : [name, program.functions[name]];
}

/** Calls `fn` on every operation of every ML Program in the model (pipelines included), nested blocks too. */
export function forEachMilOp(spec: Model, fn: (op: Operation) => void): void {
  const visitBlock = (b: Block): void => {
    for (const op of b.operations) {
      fn(op);
      for (const inner of op.blocks) visitBlock(inner);
    }
  };
  const visitModel = (m: Model): void => {
    const t = m.Type;
    if (t.case === 'mlProgram') {
      for (const f of Object.values(t.value.functions)) for (const b of Object.values(f.blockSpecializations)) visitBlock(b);
    } else if (t.case === 'pipeline' || t.case === 'pipelineClassifier' || t.case === 'pipelineRegressor') {
      const p = t.case === 'pipeline' ? t.value : t.value.pipeline;
      for (const sub of p?.models ?? []) visitModel(sub);
    }
  };
  visitModel(spec);
}
