import type { Command } from '../command';
import { analyze } from './analyze';
import { bench } from './bench';
import { compare } from './compare';
import { convert } from './convert';
import { demo } from './demo';
import { device } from './device';
import { diff } from './diff';
import { distill } from './distill';
import { edit } from './edit';
import { evalCommand } from './eval';
import { exportCommand } from './export';
import { fl } from './fl';
import { finetune } from './finetune';
import { inspect } from './inspect';
import { prune } from './prune';
import { quantize } from './quantize';
import { roundtrip } from './roundtrip';
import { release } from './release';
import { deviceUpdate } from './device-update';
import { run } from './run';
import { runs } from './runs';

/** Every CLI command, in the order `edgewise --help` lists them. */
export const commands: Command[] = [inspect, convert, bench, device, quantize, exportCommand, evalCommand, compare, diff, prune, edit, finetune, distill, analyze, run, runs, release, deviceUpdate, fl, roundtrip, demo];
