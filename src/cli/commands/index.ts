import type { Command } from '../command';
import { analyze } from './analyze';
import { roundtrip } from './roundtrip';
import { run } from './run';

/** Every CLI command, in the order `edgewise --help` lists them. */
export const commands: Command[] = [analyze, roundtrip, run];
