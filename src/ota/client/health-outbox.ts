/**
 * Sends health reports to the app's endpoint, best effort: a report that cannot be sent now
 * waits in a small outbox file and goes with the next update check. The outbox is bounded so an
 * unreachable endpoint never fills the device.
 */
import * as fs from 'node:fs';
import { writeFileDurable } from '../files';
import { parseHealthLines, type HealthReport } from '../health';
import { httpPostJson } from './http';

const MAX_WAITING = 100;
const POST_TIMEOUT_MS = 5000;

export class HealthOutbox {
  constructor(private readonly file: string, private readonly url: string | undefined) {}

  async send(report: HealthReport): Promise<boolean> {
    if (!this.url) return false;
    if (await this.post(report)) return true;
    const waiting = this.waiting();
    waiting.push(report);
    this.keep(waiting);
    return false;
  }

  /** Sends what waits; keeps what still fails. */
  async flush(): Promise<void> {
    if (!this.url) return;
    const waiting = this.waiting();
    if (waiting.length === 0) return;
    const left: HealthReport[] = [];
    for (const r of waiting) if (left.length > 0 || !(await this.post(r))) left.push(r);
    this.keep(left);
  }

  private async post(report: HealthReport): Promise<boolean> {
    try {
      const status = await httpPostJson(this.url!, report, POST_TIMEOUT_MS);
      return status >= 200 && status < 300;
    } catch {
      return false;
    }
  }

  private waiting(): HealthReport[] {
    try {
      return parseHealthLines(fs.readFileSync(this.file, 'utf8'));
    } catch {
      return [];
    }
  }

  private keep(reports: HealthReport[]): void {
    if (reports.length === 0) fs.rmSync(this.file, { force: true });
    else writeFileDurable(this.file, reports.slice(-MAX_WAITING).map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
}
