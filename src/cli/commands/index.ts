import type { Command } from '../command';
import { bench } from './bench';
import { convert } from './convert';
import { demo } from './demo';
import { inspect } from './inspect';
import { roundtrip } from './roundtrip';

/** Every CLI command, in the order `edgewise --help` lists them. */
export const commands: Command[] = [inspect, convert, bench, roundtrip, demo];
