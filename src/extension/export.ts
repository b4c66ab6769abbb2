import * as path from 'node:path';
import * as vscode from 'vscode';

/** The bytes of an exported view: SVG text, or a PNG data URL from the webview's canvas. */
export function exportBytes(format: 'svg' | 'png', data: string): Uint8Array {
  if (format === 'svg') {
    if (!/<svg[\s>]/.test(data)) throw new Error('the exported SVG has no <svg> element');
    return Buffer.from(data, 'utf8');
  }
  const m = /^data:image\/png;base64,(.*)$/s.exec(data);
  if (!m) throw new Error('the exported PNG is not a base64 PNG data URL');
  const bytes = Buffer.from(m[1], 'base64');
  if (bytes.length < 8 || bytes.readUInt32BE(0) !== 0x89504e47) throw new Error('the exported PNG does not start with the PNG signature');
  return bytes;
}

/** Asks where to save an exported view of `model` (default: next to it) and writes it. */
export async function saveExport(model: vscode.Uri, format: 'svg' | 'png', data: string): Promise<vscode.Uri | undefined> {
  const bytes = exportBytes(format, data);
  const base = path.basename(model.path).replace(/\.[^.]+$/, '');
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(model, '..', `${base}.${format}`),
    filters: format === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
    title: `Export the graph as ${format.toUpperCase()}`,
  });
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, bytes);
  void vscode.window.showInformationMessage(`Edgewise: saved ${path.basename(target.path)}`);
  return target;
}
