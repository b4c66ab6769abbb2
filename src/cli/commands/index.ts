import type { Command } from '../command';
import { compare } from './compare';
import { evalCommand } from './eval';
import { quantize } from './quantize';
import { roundtrip } from './roundtrip';

/** Every CLI command, in the order `edgewise --help` lists them. */
export const commands: Command[] = [roundtrip, quantize, evalCommand, compare];
