// The in-memory RPK cases that do not depend on the key type (handshake under loss, the
// client's pin, the server's trust), as one table run for each key type by
// test/dtls/rpk.test.ts (Ed25519) and test/dtls/rpk-p256.test.ts (P-256), plus the wire
// helpers both files read datagrams with. Not in test/helpers/: every word there is kept
// from the bundle's property shortening (tools/build.mjs), and these name msg_type and
// message_seq.
import { test } from 'node:test';
import { eachRecordTwiceReversed } from './datagrams';
import assert from 'node:assert/strict';
import { makePair, CLIENT, SERVER, type Datagram, type PairOptions } from '../helpers/dtls-net';
import { encodeRecord, parseRecords } from '../../transport/dtls/record';
import { encodeHandshake, parseFragments } from '../../transport/dtls/handshake';
import { ESTABLISHED } from '../../transport/dtls/connection';

type Pair = ReturnType<typeof makePair>;
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
const text = (s: string) => new Uint8Array(Buffer.from(s));

export const fromClient = (d: Datagram) => d.from.port === CLIENT.port;

/** A datagram's records: 'hs:' and the msg_types of an epoch-0 handshake record, else content type @ epoch. */
export function shape(d: Datagram): string {
  return parseRecords(d.data)
    .map((r) => (r.type === 22 && r.epoch === 0 ? 'hs:' + parseFragments(r.fragment)!.map((f) => f.msg_type).join('+') : ({ 20: 'ccs', 21: 'alert', 22: 'hs', 23: 'app' } as Record<number, string>)[r.type] + '@' + r.epoch))
    .join(',');
}

/** Rewrites one handshake message (by msg_type) in one side's flights; the rest passes unchanged. */
export function rewrite(client: boolean, type: number, f: (body: Uint8Array) => Uint8Array) {
  return (d: Datagram): Datagram[] => {
    if (fromClient(d) !== client) return [d];
    const parts: Uint8Array[] = [];
    for (const r of parseRecords(d.data)) {
      let frag = r.fragment;
      if (r.type === 22 && r.epoch === 0) {
        const fs = parseFragments(frag)!;
        frag = new Uint8Array(Buffer.concat(fs.map((m) => (m.msg_type === type ? encodeHandshake(type, m.message_seq, f(new Uint8Array(m.body))) : encodeHandshake(m.msg_type, m.message_seq, m.body)))));
      }
      parts.push(encodeRecord(r.type, r.epoch, r.seq, frag));
    }
    return [{ ...d, data: new Uint8Array(Buffer.concat(parts)) }];
  };
}

/** The last plaintext alert one side sent, as hex (level ‖ description), or ''. */
export function lastAlert(p: Pair, client: boolean): string {
  const ds = p.wire.filter((d) => fromClient(d) === client && shape(d) === 'alert@0');
  return ds.length ? hex(ds[ds.length - 1].data.subarray(13)) : '';
}

/** The epoch-0 handshake messages from the second ClientHello on, as hashed (RFC 6347 §4.2.6). */
export function messages(p: Pair) {
  const msgs: { t: number; body: Uint8Array; whole: Uint8Array }[] = [];
  for (const d of p.wire.slice(2, 5)) {
    for (const r of parseRecords(d.data)) {
      if (r.type !== 22 || r.epoch !== 0) continue;
      for (const m of parseFragments(r.fragment)!) msgs.push({ t: m.msg_type, body: new Uint8Array(m.body), whole: encodeHandshake(m.msg_type, m.message_seq, m.body) });
    }
  }
  return msgs;
}

/** One key type as the table needs it. */
export interface RpkKind {
  /** Ed25519 or P-256: in every case's name. */
  name: string;
  /** The client's, the server's and a third SubjectPublicKeyInfo. */
  client: Uint8Array;
  server: Uint8Array;
  other: Uint8Array;
  /** Client ⇄ echo server with this type's keys: the server's key pinned (`pin` null: none), the client's trusted (or `trust`). */
  pair(o?: PairOptions & { pin?: Uint8Array | null; trust?: (k: Uint8Array) => boolean }): Pair;
  /** Counts the public-key operations, both sides together, until restore(). */
  countOps(): { n: Record<string, number>; restore(): void };
  /** The counts for a whole handshake, and for one the client ends at the server's Certificate. */
  ops: { handshake: Record<string, number>; pinRefused: Record<string, number> };
}

function counted(k: RpkKind, f: (n: Record<string, number>) => void): void {
  const ops = k.countOps();
  try {
    f(ops.n);
  } finally {
    ops.restore();
  }
}

/** The table: each case once per key type. */
export function rpkCases(k: RpkKind): void {
  test(`${k.name}: every single lost datagram of the handshake is recovered by retransmission, and no public-key operation is done twice`, () => {
    for (let lost = 0; lost < 6; lost++) { // the 6 handshake datagrams (the 7th is application data)
      counted(k, (n) => {
        const p = k.pair();
        p.filter = (d, i) => (i === lost ? [] : [d]);
        p.client.send(text('hi'), SERVER);
        p.run(60000);
        assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected'], `lost #${lost}`);
        assert.deepEqual(p.clientData, ['hi'], `lost #${lost}`);
        assert.deepEqual(n, k.ops.handshake, `lost #${lost}`);
      });
    }
  });

  test(`${k.name}: a lost CertificateVerify record: the server keeps epoch 0 until it arrives (the CCS behind it is not taken early)`, () => {
    const p = k.pair();
    let dropped = false;
    p.filter = (d) => {
      if (!fromClient(d) || dropped || !shape(d).startsWith('hs:11,hs:16,hs:15')) return [d];
      dropped = true;
      // deliver Certificate, ClientKeyExchange, CCS, Finished: only the CertificateVerify record is lost
      const rs = parseRecords(d.data).filter((_, i) => i !== 2).map((r) => encodeRecord(r.type, r.epoch, r.seq, r.fragment));
      return [{ ...d, data: new Uint8Array(Buffer.concat(rs)) }];
    };
    p.client.connect(SERVER);
    p.run(60000);
    assert.ok(dropped);
    assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
    assert.equal(p.server.get(CLIENT)!.state, ESTABLISHED);
  });

  test(`${k.name}: duplicated and reordered datagrams (each record alone, reversed, twice) still complete`, () => {
    const p = k.pair();
    p.filter = eachRecordTwiceReversed;
    p.client.send(text('dup'), SERVER);
    p.run(60000);
    assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
    assert.deepEqual(p.clientData, ['dup']);
  });

  test(`${k.name}: wrong pinned server key: the client sends bad_certificate (42) before any signature or ECDH work and names both keys`, () => {
    counted(k, (n) => {
      const p = k.pair({ pin: k.other });
      p.client.connect(SERVER);
      p.run(10000);
      assert.equal(lastAlert(p, true), '022a');
      assert.equal(p.clientEvents.length, 1);
      assert.equal(p.clientEvents[0].name, 'bad_certificate');
      assert.equal(p.clientEvents[0].alert, 42);
      assert.match(p.clientEvents[0].message!, new RegExp(hex(k.server)));
      assert.match(p.clientEvents[0].message!, new RegExp(hex(k.other)));
      assert.equal(p.client.get(SERVER), null);
      assert.deepEqual(p.serverEvents.map((e) => e.name), ['alert_received']);
      assert.match(p.serverEvents[0].message!, /from 10\.0\.0\.2:40000 \(raw public key\)$/, 'an RPK session, the client key not seen yet');
      assert.deepEqual(n, k.ops.pinRefused, 'only the server computed its flight');
    });
  });

  test(`${k.name}: no pin (serverSpki null): any server key is accepted`, () => {
    const p = k.pair({ pin: null });
    p.client.connect(SERVER);
    p.run(10000);
    assert.deepEqual(p.clientEvents.map((e) => e.type), ['connected']);
  });

  test(`${k.name}: the server refuses a client key its trust callback rejects: access_denied (49), nothing established`, () => {
    const seen: string[] = [];
    const p = k.pair({ trust: (key) => { seen.push(hex(key)); return false; } });
    p.client.connect(SERVER);
    p.run(10000);
    assert.deepEqual(seen, [hex(k.client)]);
    assert.equal(lastAlert(p, false), '0231');
    assert.equal(p.serverEvents[0].name, 'rpk_not_trusted');
    assert.match(p.serverEvents[0].message!, new RegExp(hex(k.client)));
    assert.equal(p.clientEvents[0].name, 'alert_received');
    assert.equal(p.clientEvents[0].alert, 49);
    assert.equal(p.clientEvents[0].message, 'DTLS fatal alert 49 from 10.0.0.1:5684 (raw public key)');
    assert.equal(p.server.get(CLIENT), null);
  });

  test(`${k.name}: a server that never answers: handshake_timeout says raw public key, not PSK`, () => {
    const p = k.pair({ handshakeTimeout: 5000 });
    p.filter = (d) => (fromClient(d) ? [] : [d]);
    p.client.connect(SERVER);
    p.run(10000);
    assert.deepEqual(p.clientEvents.map((e) => e.name), ['handshake_timeout']);
    assert.equal(p.clientEvents[0].message, 'DTLS handshake with 10.0.0.1:5684 as raw public key timed out after 5000 ms: no answer (our key not accepted, or server unreachable)');
    assert.equal(p.client.get(SERVER), null);
  });
}
