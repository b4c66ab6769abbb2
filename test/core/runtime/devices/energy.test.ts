import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probeIna3221 } from '../../../../src/core/runtime/devices/energy/ina3221';
import { findEnergySource, measureEnergy } from '../../../../src/core/runtime/devices/energy/meter';
import { parsePerfCsv, probePerf } from '../../../../src/core/runtime/devices/energy/perf';
import { parsePmic, probePiPmic } from '../../../../src/core/runtime/devices/energy/pi-pmic';
import { counterDelta, probeRapl } from '../../../../src/core/runtime/devices/energy/rapl';
import type { EnergySource } from '../../../../src/core/runtime/devices/energy/source';

/** A folder laid out like the real tree: files with the kernel's formats (decimal and a newline). */
function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-sysfs-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.join(root, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

function source(p: { source: EnergySource } | { reason: string }): EnergySource {
  assert.ok('source' in p, 'reason' in p ? p.reason : '');
  return p.source;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RAPL = 'sys/class/powercap';
// A Xeon's package range: the counter wraps to 0 after this many microjoules.
const RANGE = 262143328850;

describe('energy readers on fake sysfs trees', () => {
  const roots: string[] = [];
  const make = (files: Record<string, string>) => {
    const r = tree(files);
    roots.push(r);
    return r;
  };
  after(() => { for (const r of roots) fs.rmSync(r, { recursive: true, force: true }); });

  it('RAPL: sums the package zones, handles the counter wrap, ignores subzones', async () => {
    const root = make({
      [`${RAPL}/intel-rapl:0/name`]: 'package-0\n', [`${RAPL}/intel-rapl:0/energy_uj`]: `${RANGE - 1_000_000}\n`,
      [`${RAPL}/intel-rapl:0/max_energy_range_uj`]: `${RANGE}\n`, [`${RAPL}/intel-rapl:0/enabled`]: '1\n',
      [`${RAPL}/intel-rapl:0:0/name`]: 'core\n', [`${RAPL}/intel-rapl:0:0/energy_uj`]: '5\n', [`${RAPL}/intel-rapl:0:0/max_energy_range_uj`]: `${RANGE}\n`,
      [`${RAPL}/intel-rapl:1/name`]: 'package-1\n', [`${RAPL}/intel-rapl:1/energy_uj`]: '40000000\n', [`${RAPL}/intel-rapl:1/max_energy_range_uj`]: `${RANGE}\n`,
    });
    const s = source(probeRapl({ root }));
    assert.equal(s.name, 'RAPL package-0 + package-1 (powercap)');
    const stop = await s.start();
    // package-0 wraps: 1 J to the top, then 2 J past zero; package-1 adds 0.5 J.
    fs.writeFileSync(path.join(root, RAPL, 'intel-rapl:0/energy_uj'), '2000000\n');
    fs.writeFileSync(path.join(root, RAPL, 'intel-rapl:1/energy_uj'), '40500000\n');
    fs.writeFileSync(path.join(root, RAPL, 'intel-rapl:0:0/energy_uj'), '999999999\n');
    assert.ok(Math.abs((await stop()) - 3.5) < 1e-9);
    assert.equal(counterDelta(10, 30, 100), 20);
    assert.equal(counterDelta(90, 5, 100), 15);
  });

  it('RAPL: the idle baseline is subtracted from the measured runs', async () => {
    const root = make({
      [`${RAPL}/intel-rapl:0/name`]: 'package-0\n', [`${RAPL}/intel-rapl:0/energy_uj`]: `${RANGE - 100_000}\n`,
      [`${RAPL}/intel-rapl:0/max_energy_range_uj`]: `${RANGE}\n`,
    });
    const counter = path.join(root, RAPL, 'intel-rapl:0/energy_uj');
    // 0.1 J during the 100 ms idle period (1 W), then 2 J across the wrap during the 200 ms of work.
    setTimeout(() => fs.writeFileSync(counter, `${RANGE}\n`), 30);
    const { energy } = await measureEnergy(source(probeRapl({ root })), 100, async () => {
      fs.writeFileSync(counter, `${2_000_000 - 1}\n`);
      await sleep(200);
      return { value: undefined, inferences: 10 };
    });
    assert.ok(energy.available);
    assert.ok(Math.abs(energy.grossJoulesPerInference - 0.2) < 1e-6, `gross ${energy.grossJoulesPerInference}`);
    // 0.1 J over an idle period of about 100 ms (longer when timers run late on a busy machine; a timer
    // may also fire a fraction of a millisecond early by the performance clock: 1.005 W was seen).
    assert.ok(energy.idleWatts > 0.2 && energy.idleWatts <= 1.02, `idle ${energy.idleWatts}`);
    assert.ok(energy.seconds >= 0.2);
    // What is left after the idle power over the runs' duration is taken away, per inference.
    assert.ok(Math.abs(energy.joulesPerInference - (energy.grossJoulesPerInference * 10 - energy.idleWatts * energy.seconds) / 10) < 1e-12);
    assert.ok(energy.joulesPerInference < energy.grossJoulesPerInference);
  });

  it('RAPL: absent or unreadable trees give a reason', () => {
    assert.match((probeRapl({ root: make({}) }) as { reason: string }).reason, /no RAPL powercap zones/);
    const root = make({ [`${RAPL}/intel-rapl:0/name`]: 'package-0\n', [`${RAPL}/intel-rapl:0/max_energy_range_uj`]: `${RANGE}\n` });
    assert.match((probeRapl({ root }) as { reason: string }).reason, /package-0/);
  });

  it('perf: runs perf stat system-wide on power/energy-pkg and reads the joules it prints on SIGINT', async () => {
    const root = make({
      'sys/bus/event_source/devices/power/events/energy-pkg': 'event=0x02\n',
      'sys/bus/event_source/devices/power/events/energy-pkg.scale': '2.3283064365386962890625e-10\n',
      'sys/bus/event_source/devices/power/events/energy-pkg.unit': 'Joules\n',
      'proc/sys/kernel/perf_event_paranoid': '0\n',
    });
    const bin = path.join(root, 'bin');
    fs.mkdirSync(bin);
    // perf prints its counts when interrupted (the format of `perf stat -x,`).
    fs.writeFileSync(path.join(bin, 'perf'), `#!/bin/sh\necho "$@" > ${root}/args\ntrap 'echo "3.25,Joules,power/energy-pkg/,1001234567,100.00,," >&2; exit 0' INT\nwhile :; do sleep 0.02; done\n`, { mode: 0o755 });
    const s = source(probePerf({ root, binPath: [bin] }));
    const stop = await s.start();
    await sleep(50);
    assert.equal(await stop(), 3.25);
    assert.equal(fs.readFileSync(path.join(root, 'args'), 'utf8').trim(), 'stat -a -x, -e power/energy-pkg/');
    assert.throws(() => parsePerfCsv('<not supported>,Joules,power/energy-pkg/,0,100.00,,\n'), /could not count/);
    assert.match((probePerf({ root, binPath: [path.join(root, 'none')] }) as { reason: string }).reason, /perf is not installed/);
    assert.match((probePerf({ root: make({}) }) as { reason: string }).reason, /no perf power\/energy-pkg event/);
  });

  it('INA3221 (JetPack 5 hwmon): integrates the VDD_IN rail, not the sum of rails', async () => {
    const hw = 'sys/class/hwmon';
    const root = make({
      [`${hw}/hwmon0/name`]: 'cpu_thermal\n', [`${hw}/hwmon0/temp1_input`]: '45000\n',
      [`${hw}/hwmon1/name`]: 'ina3221\n',
      [`${hw}/hwmon1/in1_label`]: 'VDD_IN\n', [`${hw}/hwmon1/in1_input`]: '5080\n', [`${hw}/hwmon1/curr1_input`]: '1200\n',
      [`${hw}/hwmon1/in2_label`]: 'VDD_CPU_GPU_CV\n', [`${hw}/hwmon1/in2_input`]: '5072\n', [`${hw}/hwmon1/curr2_input`]: '400\n',
      [`${hw}/hwmon1/in3_label`]: 'VDD_SOC\n', [`${hw}/hwmon1/in3_input`]: '5072\n', [`${hw}/hwmon1/curr3_input`]: '320\n',
    });
    const s = source(probeIna3221({ root }));
    assert.equal(s.name, 'INA3221 VDD_IN');
    const t0 = performance.now();
    const stop = await s.start();
    await sleep(200);
    const t1 = performance.now();
    const watts = (await stop()) / ((t1 - t0) / 1000);
    assert.ok(Math.abs(watts - 5.08 * 1.2) < 0.3, `${watts} W`);
  });

  it('INA3221 (JetPack 4 iio): reads in_power of the POM_5V_IN rail', async () => {
    const dev = 'sys/bus/i2c/drivers/ina3221x/0-0040/iio:device0';
    const root = make({
      [`${dev}/rail_name_0`]: 'POM_5V_IN\n', [`${dev}/in_power0_input`]: '4120\n',
      [`${dev}/rail_name_1`]: 'POM_5V_GPU\n', [`${dev}/in_power1_input`]: '990\n',
    });
    const s = source(probeIna3221({ root }));
    assert.equal(s.name, 'INA3221 POM_5V_IN');
    const t0 = performance.now();
    const stop = await s.start();
    await sleep(150);
    const t1 = performance.now();
    const watts = (await stop()) / ((t1 - t0) / 1000);
    assert.ok(Math.abs(watts - 4.12) < 0.25, `${watts} W`);
  });

  const PMIC = [
    '     3V7_WL_SW_A current(0)=0.00000000A', '       3V3_SYS_A current(1)=0.05562144A', '       1V8_SYS_A current(2)=0.17466960A',
    '      DDR_VDD2_A current(3)=0.02442000A', '      DDR_VDDQ_A current(4)=0.00000000A', '       1V1_SYS_A current(5)=0.19032000A',
    '       0V8_SYS_A current(6)=0.33036360A', '      VDD_CORE_A current(7)=0.73000000A', '       3V3_DAC_A current(17)=0.00012209A',
    '       3V3_ADC_A current(18)=0.00012209A', '       0V8_AON_A current(16)=0.00366270A', '          HDMI_A current(22)=0.00000000A',
    '     3V7_WL_SW_V volt(8)=3.71524200V', '       3V3_SYS_V volt(9)=3.31013400V', '       1V8_SYS_V volt(10)=1.79981200V',
    '      DDR_VDD2_V volt(11)=1.11189000V', '      DDR_VDDQ_V volt(12)=0.60463440V', '       1V1_SYS_V volt(13)=1.10488800V',
    '       0V8_SYS_V volt(14)=0.80052600V', '      VDD_CORE_V volt(15)=0.72662920V', '       3V3_DAC_V volt(20)=3.30891800V',
    '       3V3_ADC_V volt(21)=3.31008800V', '       0V8_AON_V volt(19)=0.79823400V', '          HDMI_V volt(23)=5.14632000V',
    '        EXT5V_V volt(24)=5.14632000V', '         BATT_V volt(25)=0.00000000V', '',
  ].join('\n');

  it('Raspberry Pi 5 PMIC: current x voltage over the rails that report both', async () => {
    const p = parsePmic(PMIC);
    assert.equal(p.rails, 12);
    assert.ok(Math.abs(p.watts - 1.5345573) < 1e-6, `${p.watts}`);
    const root = make({ 'out.txt': PMIC });
    const bin = path.join(root, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'vcgencmd'), `#!/bin/sh\n[ "$1" = pmic_read_adc ] || exit 1\ncat ${root}/out.txt\n`, { mode: 0o755 });
    const s = source(await probePiPmic({ binPath: [bin] }));
    const t0 = performance.now();
    const stop = await s.start();
    await sleep(300);
    const t1 = performance.now();
    const watts = (await stop()) / ((t1 - t0) / 1000);
    assert.ok(Math.abs(watts - 1.5346) < 0.1, `${watts} W`);
    // A Pi 4's vcgencmd has no PMIC readings.
    fs.writeFileSync(path.join(bin, 'vcgencmd'), '#!/bin/sh\necho "error=1 error_msg=\\"Command not registered\\""\n', { mode: 0o755 });
    assert.match((await probePiPmic({ binPath: [bin] }) as { reason: string }).reason, /no rails/);
  });

  it('no source: every reader says why', async () => {
    const found = await findEnergySource({ root: make({}), binPath: [] });
    assert.equal(found.source, undefined);
    assert.deepEqual(found.reasons.map((r) => r.split(' ').slice(0, 2).join(' ')), ['no RAPL', 'no perf', 'no INA3221', 'no vcgencmd']);
  });
});
