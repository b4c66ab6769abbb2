import type { Command } from '../command';
import { analyze } from './analyze';
import { convert } from './convert';
import { demo } from './demo';
import { inspect } from './inspect';
import { roundtrip } from './roundtrip';
import { run } from './run';

/** Every CLI command, in the order `edgewise --help` lists them. */
export const commands: Command[] = [inspect, convert, analyze, run, roundtrip, demo];
