/** A Core ML file or package that cannot be read; the message names the file and the problem in one line. */
export class CoreMLFormatError extends Error {
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'CoreMLFormatError';
  }
}
