// Californium's DTLS retransmission against a board (docs/leshan.md "Timers for a board"): after its RPK
// flight (ServerHello … ServerHelloDone) Leshan waits for the device's Certificate … Finished, which a
// 240 MHz ESP32 sends only after ~4 min (2–8) of public-key work, and Californium gives the handshake up
// when that flight's retransmissions run out (4 by default, 1 s doubling: 31 s). Scaled down so that
// the test takes seconds: the first timer 100 ms (4 retransmissions: given up ~3.1 s after the flight),
// the board's answer held back 5 s on the device's UDP path (the simulated device computes in
// milliseconds; the hold is the board). With Californium's default count the handshake fails; with the
// launcher's --board-timers (25 retransmissions) it completes and the bootstrap goes on.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevice, type SimDevice } from '../../sim/device';
import { MemoryStorage } from '../../sim/node-ports';
import { LeshanBootstrap, leshanMissing, leshanJars, p256KeyPair, rpkBootstrapAccount, LESHAN_VERSION, type BsTimers } from '../../sim/leshan';
import type { Peer } from '../../transport/ports';

const missing = leshanMissing();
if (missing && process.env.REQUIRE_PEERS === '1') throw new Error(`Leshan is required under .ci/run: ${missing}`);
const skip = missing ? `skipped: ${missing}` : false;

/** Californium's first retransmission timer in this test, ms (1000 by default and on the board). */
const RETRANSMISSION_TIMEOUT = 100;
/** How long the board holds its answer to the server's RPK flight here, ms (on a board: minutes). */
const HOLD = 5000;

const BS_RPK = p256KeyPair();
const running: (() => unknown)[] = [];
after(async () => {
  for (const stop of running.reverse()) await stop();
});

interface Hold {
  /** When the device's Certificate … Finished flight was first held (Date.now()), 0 before. */
  at: number;
  released: number;
}

/**
 * The board's delay on the device's outgoing path: from the device's Certificate (its first message of
 * the flight after the server's RPK flight, epoch 0) of each handshake, everything it sends is held
 * HOLD ms and then sent in order, as a board busy with ECDH and its signature sends nothing.
 */
function slowBoard(hold: Hold) {
  let armed = false;
  let until = 0;
  const queue: [Uint8Array, Peer][] = [];
  return (send: (data: Uint8Array, peer: Peer) => void, dir: 'in' | 'out') => {
    if (dir === 'in') return send;
    return (data: Uint8Array, peer: Peer) => {
      // DTLSPlaintext of type handshake (22), epoch 0: the handshake message type is byte 13
      const hs = data[0] === 22 && data[3] === 0 && data[4] === 0 ? data[13] : -1;
      if (hs === 1) armed = true; // a ClientHello: a new handshake, whose flight the board will compute
      else if (hs === 11 && armed) {
        armed = false;
        until = Date.now() + HOLD;
        if (!hold.at) hold.at = Date.now();
        const t = setTimeout(() => {
          hold.released++;
          for (const [d, p] of queue.splice(0)) send(d, p);
        }, HOLD);
        running.push(() => clearTimeout(t));
      }
      if (Date.now() < until) queue.push([Uint8Array.from(data), peer]);
      else send(data, peer);
    };
  };
}

/** An RPK bootstrap through the slow board against Leshan's bootstrap server with these timers, for `ms`. */
async function bootstrap(timers: BsTimers, name: string, ms: number) {
  const bs = await LeshanBootstrap.start('127.0.0.1', leshanJars(), BS_RPK, { retransmissionTimeout: RETRANSMISSION_TIMEOUT, ...timers });
  running.push(() => bs.stop());
  const ep = `urn:dev:leshan-timers-${name}-${process.pid}`;
  const devKey = p256KeyPair();
  bs.setConfig(ep, {
    toDelete: ['/0', '/1'],
    autoIdForSecurityObject: true,
    servers: { '0': { shortId: 123, lifetime: 60, binding: 'U', notifIfDisabled: true } },
    // the LwM2M server is not the point: a NoSec account nobody answers
    security: { '1': { uri: 'coap://127.0.0.1:9', bootstrapServer: false, securityMode: 'NO_SEC', serverId: 123 } },
  });
  bs.addRpk(ep, devKey.spki);
  const hold: Hold = { at: 0, released: 0 };
  const timeline: string[] = [];
  const t0 = Date.now();
  const dev: SimDevice = await startDevice({
    endpoint: ep,
    bootstrapUri: bs.coapsUri,
    ...rpkBootstrapAccount(devKey, BS_RPK.spki),
    storage: new MemoryStorage(),
    network: slowBoard(hold),
    log: (e, d) => timeline.push(`${Date.now() - t0} ms ${e} ${d}`),
  });
  running.push(() => dev.kill());
  const end = bs.wait((e) => e.ep === ep && (e.ev === 'end' || e.ev === 'failed'), ms, 'end of the bootstrap session').catch(() => null);
  const outcome = await end;
  dev.kill();
  const why = () => `\n--- launcher events: ${JSON.stringify(bs.events)}\n--- device timeline:\n${timeline.slice(-30).join('\n')}`;
  return { bs, ep, hold, outcome, why, handshakes: bs.events.filter((e) => e.ev === 'handshake').map((e) => e.ok) };
}

test(`Leshan ${LESHAN_VERSION} bootstrap, Californium's default DTLS retransmission (4): a board that answers its RPK flight ${HOLD / 1000} s later (scaled: first timer ${RETRANSMISSION_TIMEOUT} ms) fails the handshake`, { skip }, async () => {
  const r = await bootstrap({}, 'default', HOLD + 4000);
  assert.ok(r.hold.at > 0, `the device never sent its Certificate flight${r.why()}`);
  assert.ok(r.hold.released > 0, `the held flight was never released${r.why()}`);
  assert.equal(r.outcome, null, `the bootstrap went through${r.why()}`);
  assert.ok(r.handshakes.includes(false), `Californium did not give the handshake up${r.why()}`);
  assert.ok(!r.handshakes.includes(true), r.why());
  assert.equal(r.bs.events.filter((e) => e.ep === r.ep && e.ev === 'request').length, 0, r.why());
});

test(`Leshan ${LESHAN_VERSION} bootstrap with --board-timers (25 retransmissions): the same board's handshake completes and the bootstrap ends`, { skip }, async () => {
  const r = await bootstrap({ board: true }, 'board', HOLD + 15000);
  assert.ok(r.outcome, `no end of the bootstrap session${r.why()}`);
  assert.equal(r.outcome.ev, 'end', r.why());
  assert.ok(r.hold.at > 0 && r.hold.released === 1, `the device's flight was not held once${r.why()}`);
  assert.deepEqual(r.handshakes, [true], r.why());
  // the request came through the handshake that waited for the held flight
  const request = r.bs.events.find((e) => e.ep === r.ep && e.ev === 'request')!;
  assert.ok((request.t as number) - r.hold.at >= HOLD - 50, `request ${(request.t as number) - r.hold.at} ms after the hold began${r.why()}`);
});
