import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { fileSha256 } from '../core/base/file-hash';
import type { FlSimulateParams } from '../worker/protocol';
import { askNumber, isLabels, pickFile, pickValidation } from './train-picks';

/** What "Simulate Federated Training..." asks for: everything of the request but the model. */
export type FlSimulateOptions = Omit<FlSimulateParams, 'file' | 'progressToken'>;

const PARTITIONS: (vscode.QuickPickItem & { spec: string })[] = [
  { label: 'Dirichlet α = 0.3', description: 'non-IID: each client sees a few classes mostly', spec: 'dirichlet:0.3' },
  { label: 'Dirichlet α = 1', description: 'mildly non-IID', spec: 'dirichlet:1' },
  { label: 'IID', description: 'every client a uniform random share', spec: 'iid' },
  { label: '2 shards per client', description: 'label-sorted shards: about two classes per client', spec: 'shards:2' },
];

/** Differential privacy's default setting in the picker: clipping norm 1, noise multiplier 1, delta 1e-5. */
export const DEFAULT_PRIVACY = { clip: 1, noiseMultiplier: 1, delta: 1e-5 };

/**
 * The QuickPick flow: training samples and labels (split among the clients), validation data
 * (top-1 after every round), clients, partition, rounds, clients per round, and protections.
 */
export async function askFlSimulateOptions(model: vscode.Uri): Promise<FlSimulateOptions | undefined> {
  const title = `Simulate federated training of ${path.basename(model.fsPath)}`;
  const npy = { 'NumPy arrays': ['npy'] };
  const data = await pickFile({ title, placeHolder: 'Training samples to split among the clients (.npy [N, ...]; uint8 is scaled to [0, 1])', glob: '**/*.npy', near: model, prefer: (n) => !isLabels(n) && /train/i.test(n), filters: npy });
  if (!data) return undefined;
  const labels = await pickFile({ title, placeHolder: `Labels of ${path.basename(data.fsPath)} (integers, .npy or text)`, glob: '**/*.npy', near: data, prefer: isLabels, exclude: [data.fsPath], filters: { Labels: ['npy', 'txt'] } });
  if (!labels) return undefined;
  const options: FlSimulateOptions = { data: data.fsPath, labels: labels.fsPath, clients: 0, clientsPerRound: 0, rounds: 0, partition: '' };
  const val = await pickValidation({ title, placeHolder: 'Validation samples: the global model\'s top-1 after every round (optional)', near: data, exclude: [data.fsPath, labels.fsPath] });
  if (val === undefined) return undefined;
  Object.assign(options, val);
  const clients = await askNumber(title, 'Simulated clients (the training samples are split among them)', '10', true);
  if (clients === undefined) return undefined;
  const part = await vscode.window.showQuickPick(PARTITIONS, { title, placeHolder: 'How the samples are split among the clients' });
  if (!part) return undefined;
  const rounds = await askNumber(title, 'Rounds', '10', true);
  if (rounds === undefined) return undefined;
  const perRound = await askNumber(title, `Clients sampled per round (at most ${clients})`, String(Math.min(5, clients)), true);
  if (perRound === undefined) return undefined;
  const protections = await vscode.window.showQuickPick([
    { label: 'Differential privacy', description: `clip each update to norm ${DEFAULT_PRIVACY.clip}, noise ×${DEFAULT_PRIVACY.noiseMultiplier}, δ ${DEFAULT_PRIVACY.delta}`, key: 'dp' },
    { label: 'Secure aggregation', description: 'the server sees only the sum of the masked updates', key: 'secagg' },
  ], { title, placeHolder: 'Protections (none selected: plain federated averaging)', canPickMany: true });
  if (!protections) return undefined;
  Object.assign(options, { clients, partition: part.spec, rounds, clientsPerRound: Math.min(perRound, clients) });
  if (protections.some((p) => p.key === 'dp')) options.privacy = { ...DEFAULT_PRIVACY };
  if (protections.some((p) => p.key === 'secagg')) options.secureAggregation = true;
  return chooseOutDir(model, options);
}

/**
 * The folder of the rounds' models beside the model: `<name>.fl`, or, when that holds an earlier
 * federation, resume it or take the next free `<name>.fl-N` (nothing of the user's is replaced).
 */
export async function chooseOutDir(model: vscode.Uri, options: FlSimulateOptions): Promise<FlSimulateOptions | undefined> {
  const base = path.join(path.dirname(model.fsPath), `${path.basename(model.fsPath, path.extname(model.fsPath))}.fl`);
  if (!fs.existsSync(base)) return { ...options, outDir: base };
  const free = nextFreeFolder(base);
  if (!await sameFederation(path.join(base, 'state.json'), model.fsPath)) return { ...options, outDir: free };
  const pick = await vscode.window.showWarningMessage(
    `${path.basename(base)} holds an earlier federation of this model. Resume it (rounds already done are kept), or start over in ${path.basename(free)}?`,
    { modal: true }, 'Resume', 'New Folder',
  );
  if (!pick) return undefined;
  return { ...options, outDir: pick === 'Resume' ? base : free };
}

/**
 * True when `state` is a federation's state file (src/fl/server/state.ts) that started from `model`.
 * The model is hashed streamed (and remembered per file version), not read whole on the extension host.
 */
async function sameFederation(state: string, model: string): Promise<boolean> {
  try {
    const s = JSON.parse(fs.readFileSync(state, 'utf8')) as { startModel?: unknown };
    return s.startModel === await fileSha256(model);
  } catch {
    return false;
  }
}

function nextFreeFolder(base: string): string {
  for (let n = 2; ; n++) if (!fs.existsSync(`${base}-${n}`)) return `${base}-${n}`;
}
