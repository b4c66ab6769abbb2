/**
 * An option value a job cannot work with (an unknown target, --mean without --std...): the
 * caller's mistake rather than bad input, so the CLI exits with its usage code (2).
 */
export class OptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionError';
  }
}
