import { diagnose, type Finding } from '../analysis/diagnostics';
import { planArena, type ArenaPlan } from '../formats/tflite/arena';
import { findTarget, mcuBudgetBreaks, tflmTarget, type BudgetBreak, type Target } from '../runtime/targets';
import { loadTflite } from '../formats/tflite/model';
import { tfliteViewGraph } from '../formats/tflite/view';
import type { JobHooks } from './job';
import { formatBytes } from '../base/units';

/** Microcontroller-fit options (the job contract: jobs/job.ts). */
export interface McuFitJobOptions extends JobHooks {
  /** Target whose flash/arena budgets to check (e.g. cortex-m4-256k); none: only the figures. */
  target?: string;
  /** The user's own targets, found before the built-in ones. */
  customTargets?: Target[];
}

export interface McuFitResult {
  plan: Omit<ArenaPlan, 'buffers'>;
  /** View node id of the op where the largest live set is. */
  peakNodeId?: string;
  target?: string;
  breaks: BudgetBreak[];
  findings: Finding[];
}

/**
 * Will this .tflite fit a microcontroller? Flash and the planned TFLite Micro arena, checked
 * against the target's flash/arena budgets when it has them; findings for the Problems panel.
 */
export async function runMcuFitJob(file: string, o: McuFitJobOptions = {}): Promise<McuFitResult> {
  const model = loadTflite(file);
  const target = o.target ? findTarget(o.target, o.customTargets ?? []) : undefined;
  const { buffers: _buffers, ...plan } = planArena(model, tflmTarget(target));
  const peakNodeId = model.subgraphs[0].operators.length ? tfliteViewGraph(model).graph.nodes[plan.peak.op]?.id : undefined;
  const breaks = target ? mcuBudgetBreaks(model.file, model.fileBytes, target) : [];
  const findings: Finding[] = [
    ...diagnose({ budgetBreaks: breaks.map((b) => ({ budget: b.budget, message: b.message, measured: b.measured })) }),
    {
      severity: 'info', code: 'mcu-fit', nodeId: peakNodeId, value: plan.arenaBytes,
      message: `TFLite Micro: flash ${formatBytes(plan.flashBytes)}, tensor arena ~${formatBytes(plan.arenaBytes)} (activations ${formatBytes(plan.plannedBytes)} planned); largest live set ${formatBytes(plan.peak.liveBytes)} at op ${plan.peak.op} (${plan.peak.opName}): ${plan.peak.tensors.slice(0, 3).map((t) => `${t.name} ${formatBytes(t.bytes)}`).join(', ')}${target && (target.arenaBytes || target.flashBytes) && breaks.length === 0 ? `; fits ${target.name}` : ''}`,
    },
  ];
  return { plan, peakNodeId, target: target?.name, breaks, findings };
}
