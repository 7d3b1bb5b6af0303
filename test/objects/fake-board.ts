// A fake board for the object tests: a settable clock, a settable sensor, and a log of outputs and calls.
import type { Board } from '../../objects/board';

export function fakeBoard() {
  const log: string[] = [];
  const state = { now: 1_000_000, temp: 21.5, fwResult: 0 };
  const board: Board = {
    clock: { now: () => state.now },
    info: { manufacturer: 'ACME', model: 'E32', serial: 'SN1', firmware: '0.1.0' },
    reboot: () => log.push('reboot'),
    factoryReset: () => log.push('factory-reset'),
    memFree: () => 42,
    memTotal: () => 320,
    power: () => ({ sources: [1, 5], voltage: [3800, 5000], current: [125, 900], battery: 100, batteryStatus: 0 }),
    net: () => ({ bearer: 21, available: [21], rssi: -60, ips: ['192.168.1.20'], routers: ['192.168.1.1'] }),
    sensor: (name) => (name === 'temperature' ? state.temp : NaN),
    output: (name, on, level) => log.push(`${name}:${on ? 'on' : 'off'}:${level}`),
    location: () => ({ lat: 48.85, lon: 2.35, ts: 1700000000 }),
    fw: {
      download: (uri) => log.push('download ' + uri),
      block: (off, data, more) => (log.push(`package ${off}+${data.length}${more ? ' more' : ''}`), state.fwResult),
      update: () => log.push('update'),
    },
  };
  return { board, log, state };
}
