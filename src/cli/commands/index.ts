import type { Command } from '../command';
import { bench } from './bench';
import { roundtrip } from './roundtrip';

/** Every CLI command, in the order `edgewise --help` lists them. */
export const commands: Command[] = [roundtrip, bench];
