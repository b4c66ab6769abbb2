/**
 * The emulated ARM64 device: the arm64 builds of Node and onnxruntime-node under qemu-user
 * (Debian's qemu-user-static with the arm64 libc and libstdc++ of libc6-arm64-cross and
 * libstdc++6-arm64-cross). onnxruntime's arm64 binary reads /proc/cpuinfo to pick its kernels and
 * crashes on the host's x86 one, so the process sees an ARM cpuinfo, bind-mounted over
 * /proc/cpuinfo in a private mount namespace (`unshare -m` as root, `unshare -rm` otherwise).
 */
import { q } from './shell';

export const QEMU_AARCH64 = 'qemu-aarch64-static';
/** Where Debian's cross packages put the arm64 loader and libraries. */
export const ARM64_SYSROOT = '/usr/aarch64-linux-gnu';
/** The ARM cpuinfo's name in the device folder. */
export const ARM64_CPUINFO = 'cpuinfo-arm64';

/**
 * A Cortex-A76 (Raspberry Pi 5's core) per CPU, with the dot-product feature that selects ORT's
 * S8S8 int8 kernels on ARM.
 */
export function arm64Cpuinfo(cores: number): string {
  const one = (i: number) => [
    `processor\t: ${i}`, 'BogoMIPS\t: 108.00',
    'Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp',
    'CPU implementer\t: 0x41', 'CPU architecture: 8', 'CPU variant\t: 0x4', 'CPU part\t: 0xd0b', 'CPU revision\t: 1', '',
  ].join('\n');
  return Array.from({ length: Math.max(1, cores) }, (_, i) => one(i)).join('\n');
}

/**
 * `node ARGS` as an emulated arm64 process, as one shell command run in the device folder
 * (which holds the ARM cpuinfo). The chain of execs leaves one process: qemu running node.
 */
export function emulatedCommand(node: string, args: string[]): string {
  const inner = `mount --bind ${ARM64_CPUINFO} /proc/cpuinfo && exec ${QEMU_AARCH64} -L ${ARM64_SYSROOT} ${[node, ...args].map(q).join(' ')}`;
  return `if [ "$(id -u)" = 0 ]; then ns='-m'; else ns='-rm'; fi; exec unshare $ns sh -c ${q(inner)}`;
}
