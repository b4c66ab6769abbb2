/**
 * `edgewise run --report/--summary/--junit`: checks the report paths before the recipe runs, then
 * writes each file atomically. Report files are replaced on every run (CI reruns write them
 * again), but never one of the files the run reads.
 */
import * as path from 'node:path';
import { atomicWrite, resolveOutput } from '../../jobs/job';
import type { RecipeRunReport } from '../run';
import { collectReport } from './collect';
import { reportHtml } from './html';
import { reportJunit } from './junit';
import { reportMarkdown } from './markdown';
import type { ReportOverlay } from './types';

export interface ReportRequest {
  html?: string;
  markdown?: string;
  junit?: string;
  overlay?: ReportOverlay;
}

/** The request's paths, absolute and checked (folder exists and is writable, not the recipe, not each other). */
export function checkReportPaths(recipe: string, req: ReportRequest): ReportRequest {
  const out: ReportRequest = { overlay: req.overlay };
  const seen = new Map<string, string>();
  for (const [key, flag] of [['html', '--report'], ['markdown', '--summary'], ['junit', '--junit']] as const) {
    const file = req[key];
    if (!file) continue;
    const abs = resolveOutput(recipe, { tag: 'report', out: file, force: true });
    if (seen.has(abs)) throw new Error(`${abs}: ${flag} and ${seen.get(abs)} name the same file`);
    seen.set(abs, flag);
    out[key] = abs;
  }
  return out;
}

export async function writeRecipeReports(run: RecipeRunReport, req: ReportRequest, o: { seconds: number; allowOutside?: boolean; signal?: AbortSignal; progress?: (m: string) => void }): Promise<string[]> {
  const written: string[] = [];
  const write = (file: string, text: string) => { atomicWrite(file, [Buffer.from(text)]); written.push(file); };
  if (req.junit) write(req.junit, reportJunit(run, o.seconds));
  if (req.html || req.markdown) {
    const data = await collectReport(run, { overlay: req.overlay, allowOutside: o.allowOutside, signal: o.signal, progress: o.progress });
    if (req.html) write(req.html, reportHtml(data));
    if (req.markdown) write(req.markdown, reportMarkdown(data));
  }
  return written.map((f) => path.resolve(f));
}
