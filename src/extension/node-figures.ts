/**
 * "Edgewise: Show Memory and MACs Overlays" on a model's graph: the activation bytes live while
 * each node runs (from tensor lifetimes), each node's output bytes and its MACs, as overlays; the
 * peak, the tensors making it and the measured peak RSS (recorded-peak-rss.ts) in a message.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { NodeFiguresRequest, type NodeFigures } from '../worker/figures-protocol';
import type { GraphPanels } from './graph-panels';
import type { WorkerClient } from './worker-client';
import { formatBytes } from '../cli/format';

export const MEMORY_OVERLAY_ID = 'activation-bytes';

export function registerNodeFigures(panels: GraphPanels, worker: WorkerClient): vscode.Disposable {
  return vscode.commands.registerCommand('edgewise.showNodeFigures', async (arg?: vscode.Uri): Promise<NodeFigures | undefined> => {
    const uri = arg ?? panels.active()?.uri;
    if (!uri) return void vscode.window.showInformationMessage('Edgewise: open a model\'s graph first.');
    const f = await worker.request(NodeFiguresRequest.type, { file: uri.fsPath });
    const byNode = (pick: (n: NodeFigures['memory']['nodes'][number]) => number) => Object.fromEntries(f.memory.nodes.map((n) => [n.id, pick(n)]));
    panels.pushOverlay(uri, { id: 'output-bytes', label: 'Output size', unit: 'bytes', values: byNode((n) => n.outputBytes), scale: 'log' });
    if (f.macs && Object.keys(f.macs).length) panels.pushOverlay(uri, { id: 'macs', label: 'MACs', unit: 'MACs', values: f.macs, scale: 'log' });
    // Last, so it is the one shown.
    panels.pushOverlay(uri, { id: MEMORY_OVERLAY_ID, label: 'Live activations', unit: 'bytes', values: byNode((n) => n.liveBytes), scale: 'linear' });
    const m = f.memory;
    const rss = await panels.peakRss(uri);
    const top = m.peakTensors.slice(0, 3).map((t) => `${t.name} ${formatBytes(t.bytes)}`).join(', ');
    void vscode.window.showInformationMessage(
      `Edgewise: ${path.basename(uri.fsPath)}: peak activations ${formatBytes(m.peakBytes)}${m.peakNode ? ` while ${m.peakNode} runs` : ''} (${top}${m.peakTensors.length > 3 ? ', ...' : ''})` +
      (rss ? `; measured peak RSS ${formatBytes(rss.bytes)} (${rss.how}: weights, runtime and buffers too)` : '; Benchmark Model measures the peak RSS beside it'),
    );
    return f;
  });
}
