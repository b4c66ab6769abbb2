import type { Command } from '../command';
import { prune } from './prune';
import { roundtrip } from './roundtrip';

/** Every CLI command, in the order `edgewise --help` lists them. */
export const commands: Command[] = [roundtrip, prune];
