/** Why a device could not be used; `kind` lets the CLI and the extension offer the right next step. */
export type DeviceErrorKind =
  | 'unreachable' | 'auth' | 'host-unknown' | 'host-changed'
  /** Node or the harness is missing or out of date: `edgewise device setup`. */
  | 'setup-needed'
  | 'disk-full' | 'lost' | 'config';

export class DeviceError extends Error {
  constructor(readonly kind: DeviceErrorKind, message: string) {
    super(message);
    this.name = 'DeviceError';
  }
}
