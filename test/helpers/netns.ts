/**
 * A network namespace made for a test, joined to this one by a veth pair: the "device" side at
 * 10.213.N.2, this machine at 10.213.N.1, a real link that can be taken down (packets then vanish,
 * no reset is sent, as when a device drops off the network). Needs root (ip netns); without it the
 * test fails saying so, never skips.
 */
import { execFileSync } from 'node:child_process';

const IP = '/usr/sbin/ip';

export interface TestNetns {
  name: string;
  hostIp: string;
  deviceIp: string;
  /** An address on the link that no host answers. */
  nobodyIp: string;
  /** [command, args] running `cmd args` inside the namespace. */
  inside(cmd: string, args: string[]): [string, string[]];
  /** Takes the link down (or up again) on this machine's side. */
  link(state: 'up' | 'down'): void;
  remove(): void;
}

function ip(...args: string[]): void {
  execFileSync(IP, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeNetns(): TestNetns {
  if (process.getuid?.() !== 0) throw new Error('the network-namespace device needs root (ip netns add, veth): run the tests as root, as .ci/run does');
  // A subnet per process: parallel test runs on one machine do not meet.
  const n = 1 + (process.pid % 250);
  const name = `ew-dev-${process.pid}`;
  const host = `ewh${process.pid}`.slice(0, 15);
  const dev = `ewd${process.pid}`.slice(0, 15);
  const net = { hostIp: `10.213.${n}.1`, deviceIp: `10.213.${n}.2`, nobodyIp: `10.213.${n}.3` };
  ip('netns', 'add', name);
  try {
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', dev);
    ip('link', 'set', dev, 'netns', name);
    ip('addr', 'add', `${net.hostIp}/29`, 'dev', host);
    ip('link', 'set', host, 'up');
    ip('netns', 'exec', name, IP, 'addr', 'add', `${net.deviceIp}/29`, 'dev', dev);
    ip('netns', 'exec', name, IP, 'link', 'set', dev, 'up');
    ip('netns', 'exec', name, IP, 'link', 'set', 'lo', 'up');
  } catch (e) {
    try { ip('link', 'del', host); } catch { /* never made */ }
    ip('netns', 'del', name);
    throw e;
  }
  return {
    name, ...net,
    inside: (cmd, args) => [IP, ['netns', 'exec', name, cmd, ...args]],
    link: (state) => ip('link', 'set', host, state),
    remove: () => {
      try { ip('link', 'del', host); } catch { /* gone with the namespace */ }
      ip('netns', 'del', name);
    },
  };
}
