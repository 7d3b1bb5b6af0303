// The device's next ephemeral ECDHE key pair, made in idle polls before a handshake needs it
// (issue 16 item 3, rpk.ts precompute): a handshake then pays only ECDH, one signature and one
// verification; no pair serves two handshakes; a handshake that starts while the pair is being
// made takes over its job. P-256 (sliced jobs: the step counts mean something), in memory.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, p256Keys, SERVER, type Pair } from '../helpers/dtls-net';
import { parseRecords } from '../../transport/dtls/record';
import { parseFragments } from '../../transport/dtls/handshake';
import { clientRole } from '../../transport/dtls/client';
import { enableP256, p256Sig, secp256r1Group } from '../../transport/dtls/rpk-p256';
import * as P256Lib from '../../transport/crypto/p256-lib';
import type { PkJob } from '../../transport/dtls/rpk-codec';

enableP256(() => P256Lib);

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
const C = p256Keys(1);
const S = p256Keys(2);

function pair(idle?: () => number): Pair {
  return makePair({
    idle,
    strict: true,
    clientRpk: { key: C.pkcs8, spki: C.spki, serverSpki: S.spki },
    serverRpk: { key: S.pkcs8, spki: S.spki, trust: () => true },
  });
}

/**
 * The client's P-256 public-key steps (job.run with a step's budget: the server's jobs run in
 * one go, pkFinish) and the key pairs it began (public-value jobs it ran), while `on`.
 */
const count = { steps: 0, pairs: 0, on: true };
function stepped(j: PkJob, pair: boolean): PkJob {
  const run = j.run;
  let ran = false;
  j.run = (b?: number) => {
    if ((!b || b < 1e9) && count.on) {
      count.steps++;
      if (pair && !ran) count.pairs++;
      ran = true;
    }
    return run.call(j, b);
  };
  return j;
}
for (const [o, name] of [[secp256r1Group, 'pub'], [secp256r1Group, 'shared'], [p256Sig, 'sign'], [p256Sig, 'verify']] as const) {
  const f = (o as unknown as Record<string, (...a: unknown[]) => PkJob>)[name];
  (o as unknown as Record<string, unknown>)[name] = (...a: unknown[]) => stepped(f(...a), name === 'pub');
}

/** Stops the counts at the client's first event (connected): what comes after is the next pair's precomputation. */
function untilConnected(p: Pair): void {
  const push = p.clientEvents.push.bind(p.clientEvents);
  p.clientEvents.push = (...e) => {
    count.on = false;
    return push(...e);
  };
}

/** The ClientKeyExchange points our client sent (ecdh_Yc without its length byte), in order. */
function ckePoints(p: Pair): string[] {
  const out: string[] = [];
  for (const d of p.wire) {
    if (d.from.port === SERVER.port) continue;
    for (const r of parseRecords(d.data)) {
      if (r.type !== 22 || r.epoch !== 0) continue;
      for (const m of parseFragments(r.fragment) || []) if (m.msg_type === 16) out.push(hex(m.body.subarray(1)));
    }
  }
  return out;
}

/** Polls the client alone while it asks to be polled at once (idle: the precomputation); the polls. */
function idle(p: Pair): number {
  let n = 0;
  while (p.client.poll(p.now) === p.now && n < 10000) n++;
  return n;
}

beforeEach(() => {
  clientRole.eph = null;
  count.steps = count.pairs = 0;
  count.on = true;
});

test('precompute: idle polls make the key pair before the handshake, which then takes fewer public-key steps by as many as the pair took', () => {
  // without: the client connects at once; its key pair is made during the handshake (started in an idle poll while it waits, then taken over)
  const a = pair();
  untilConnected(a);
  a.client.connect(SERVER);
  a.run(10000);
  assert.deepEqual(a.clientEvents.map((e) => e.type), ['connected']);
  const stepsWithout = count.steps;
  // with: idle polls first (what a device does between boot and its first handshake, or between two)
  clientRole.eph = null;
  count.steps = 0;
  count.on = true;
  const b = pair();
  untilConnected(b);
  const idlePolls = idle(b);
  const idleSteps = count.steps;
  assert.equal(clientRole.eph!.p!.length, 65, 'the public value is made');
  assert.equal(clientRole.eph!.j, null);
  count.steps = 0;
  count.pairs = 0;
  b.client.connect(SERVER);
  const before = clientRole.eph!.p!;
  b.run(10000);
  assert.deepEqual(b.clientEvents.map((e) => e.type), ['connected']);
  const stepsWith = count.steps;
  assert.equal(count.pairs, 0, 'no key pair made during the handshake');
  assert.deepEqual(ckePoints(b), [hex(before)], 'the ClientKeyExchange carries the precomputed public value');
  console.log(`P-256 handshake, client public-key steps: ${stepsWithout} without precomputation, ${stepsWith} with it (the pair took ${idleSteps} steps in ${idlePolls} idle polls)`);
  // within a few steps: the verification's count varies with the signature (its scalars' NAF, p256.ts)
  assert.ok(Math.abs(stepsWithout - stepsWith - idleSteps) <= 10, `${stepsWithout} - ${stepsWith} vs ${idleSteps}`);
  assert.ok(idleSteps > 60, `${idleSteps} steps for the key pair`);
});

test('precompute: two consecutive handshakes use two different key pairs, each made before it; none is used twice', () => {
  const p = pair();
  idle(p);
  const first = hex(clientRole.eph!.p!);
  p.client.connect(SERVER);
  p.run(10000);
  assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
  // the idle polls after the handshake made the next pair
  idle(p);
  const second = hex(clientRole.eph!.p!);
  assert.notEqual(second, first);
  p.client.close(SERVER);
  p.run(p.now + 1000);
  p.client.connect(SERVER);
  p.run(p.now + 10000);
  assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected', 'connected']);
  assert.deepEqual(ckePoints(p), [first, second]);
  // and the one after is new again
  idle(p);
  assert.ok(![first, second].includes(hex(clientRole.eph!.p!)));
});

test('precompute: a handshake that needs its key pair before the idle polls finished it takes the job over (not restarted)', () => {
  const p = pair();
  untilConnected(p);
  for (let i = 0; i < 5; i++) p.client.poll(0);
  const e = clientRole.eph!;
  assert.ok(e && e.j && !e.p, 'a pair being made');
  p.client.connect(SERVER);
  p.run(10000);
  assert.deepEqual(p.clientEvents.map((x) => x.type), ['connected']);
  // the handshake's pair is the one begun before it: its public value, one pair in all (the next begins after)
  assert.deepEqual(ckePoints(p), [hex(e.j!.r)], 'the ClientKeyExchange carries the result of the job begun before the handshake');
  assert.equal(e.p, undefined, 'taken out of the precomputation: its result went to the handshake only');
  assert.equal(count.pairs, 1, 'the one taken over, no other');
  // the next one is made in the idle polls after the handshake
  idle(p);
  assert.ok(clientRole.eph && clientRole.eph !== e && clientRole.eph.p);
});

test('precompute: no next key pair while a handshake is under way (its steps would hold back the flights that follow)', () => {
  const p = pair();
  // the server's last flight (ChangeCipherSpec, Finished) is held: the client waits for it with its handshake open
  let held: Uint8Array | null = null;
  p.filter = (d) => {
    if (d.from.port !== SERVER.port || !parseRecords(d.data).some((r) => r.type === 20)) return [d];
    held = d.data;
    return [];
  };
  p.client.connect(SERVER);
  p.run(10000);
  assert.ok(held, 'the server sent its last flight');
  assert.deepEqual(p.clientEvents.map((e) => e.type), [], 'not connected yet');
  assert.equal(clientRole.eph, null, 'the handshake took the key pair');
  for (let i = 0; i < 20; i++) p.client.poll(p.now);
  assert.equal(clientRole.eph, null, 'no next key pair begun while the handshake waits');
  p.client.receive(held!, SERVER);
  p.run(p.now + 1000);
  assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
  idle(p);
  assert.equal(clientRole.eph!.p!.length, 65, 'the next pair, made once the handshake is over');
});

test('precompute: only while the host says it is idle — none while it is not (0), none in a turn that did other work (2: polled again in the next), a step a poll once idle (1)', () => {
  let q = 0;
  const p = pair(() => q);
  p.client.connect(SERVER);
  p.run(10000);
  assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
  count.on = true;
  count.steps = 0;
  assert.equal(p.client.poll(p.now), -1, 'not idle: no step, nothing asked');
  assert.equal(clientRole.eph ?? null, null);
  q = 2;
  assert.equal(p.client.poll(p.now), p.now, 'a busy turn: no step, but polled again');
  assert.equal(clientRole.eph ?? null, null);
  assert.equal(count.steps, 0);
  q = 1;
  assert.ok(idle(p) > 60, 'idle: the pair, a step a poll');
  assert.equal(clientRole.eph!.p!.length, 65);
  assert.equal(p.client.poll(p.now), -1, 'the pair made: nothing more');
});

test('work(): the public-key steps alone, as the board\'s scheduler runs them between polls; the yield after a flight and each continuation stay a poll\'s, and none runs once a handshake deadline has come', () => {
  const p = pair(() => 0);
  p.client.connect(SERVER);
  let polls = 0, alone = 0, soon = true, checked = false;
  for (let guard = 0; guard < 100000 && !p.clientEvents.length; guard++) {
    if (p.inFlight.length) {
      // a datagram's turn: receive, then a whole poll (the scheduler's kick)
      const d = p.inFlight.shift()!;
      (d.to.port === SERVER.port ? p.server : p.client).input(d.data, d.from);
      soon = false;
    } else if (soon && p.client.due > p.now && !checked && p.client.work(p.client.due) === false) {
      // the handshake's own deadline has come: no step alone then (the poll times it out)
      checked = true;
      continue;
    } else if (soon && p.client.work(p.now)) {
      alone++;
      // a step alone computes: it sends nothing (a continuation, which sends, is a poll's)
      assert.equal(p.inFlight.length, 0, `step ${alone} sent a datagram`);
      continue;
    }
    polls++;
    soon = p.client.poll(p.now) === p.now;
    p.server.poll(p.now);
  }
  assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
  assert.ok(checked, 'a step was refused at the handshake deadline');
  console.log(`RPK P-256 handshake by the scheduler's turns: ${alone} steps alone, ${polls} polls`);
  assert.ok(alone > 100, `${alone} steps alone`);
  assert.ok(polls < 40, `${polls} polls`);
});
