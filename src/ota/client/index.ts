/**
 * `edgewise/ota`: the device side of Edgewise releases, for Node and Electron apps. No VS Code,
 * no ONNX Runtime: TUF verification (tuf-js), resumable downloads, delta rebuilds, atomic installs.
 */
export { ModelUpdater, deviceStatus } from './updater';
export type { ModelUpdaterOptions, LoadReport, CheckOptions, DeviceStatus } from './updater';
export { UpdateError } from './update-cycle';
export { CancelledError } from '../../core/base/cancel';
export type { UpdateResult, UpdateAction, UpdateVia, UpdateTraffic, UpdateProgress, UpdateStep } from './update-cycle';
export type { HealthReport, HealthEvent } from '../health';
