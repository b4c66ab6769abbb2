/** A model file that cannot be read; the message names the file and the problem in one line. */
export class OnnxFormatError extends Error {
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'OnnxFormatError';
  }
}
