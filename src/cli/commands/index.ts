import type { Command } from '../command';
import { bench } from './bench';
import { compare } from './compare';
import { convert } from './convert';
import { demo } from './demo';
import { evalCommand } from './eval';
import { inspect } from './inspect';
import { prune } from './prune';
import { quantize } from './quantize';
import { roundtrip } from './roundtrip';

/** Every CLI command, in the order `edgewise --help` lists them. */
export const commands: Command[] = [inspect, convert, bench, quantize, evalCommand, compare, prune, roundtrip, demo];
