// Persistence of the accounts (objects 0, 1, 2): A/B slots with sequence and checksum.
// A power cut at any byte of a save leaves the old or the new configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createObjectModel } from '../../objects/index';
import { accountStore, SLOT_A, SLOT_B } from '../../firmware/lwm2m/persistence';
import type { Storage } from '../../transport/ports';
import type { Registry } from '../../objects/core/registry';

const save = (st: Storage, reg: Registry) => accountStore(st).save(reg);
const load = (st: Storage, reg: Registry) => accountStore(st).load(reg);
const clear = (st: Storage) => accountStore(st).clear();
import { MemoryStorage } from '../../sim/node-ports';
import { utf8Encode } from '../../transport/bytes';
import { nodeCrypto } from '../../sim/node-crypto';

function board() {
  return {
    clock: { now: () => 0 },
    info: { manufacturer: 'm', model: 'x', serial: 's', firmware: '1' },
    reboot() {},
    factoryReset() {},
    memFree: () => 1,
    net: () => ({ bearer: 21, available: [21], rssi: -50, ips: ['127.0.0.1'] }),
    sensor: () => 20,
    output() {},
  };
}

function model(uri: string, lifetime: number) {
  const m = createObjectModel(board() as any);
  m.reg.obj(0)!.add(0, { 0: 'coap://bs', 1: true, 2: 3, 3: new Uint8Array(0), 5: new Uint8Array(0) });
  m.reg.obj(0)!.add(1, { 0: uri, 1: false, 2: 0, 3: utf8Encode('id'), 5: new Uint8Array([1, 2, 3]), 10: 7 });
  m.reg.obj(1)!.add(0, { 0: 7, 1: lifetime, 7: 'U' });
  return m;
}

test('save then load restores objects 0, 1, 2 with opaque values intact', () => {
  const st = new MemoryStorage();
  save(st, model('coaps://a:1', 300).reg);
  const fresh = createObjectModel(board() as any);
  assert.equal(load(st, fresh.reg), true);
  assert.equal(fresh.reg.obj(0)!.i[1][0], 'coaps://a:1');
  assert.deepEqual(fresh.reg.obj(0)!.i[1][5], new Uint8Array([1, 2, 3]));
  assert.equal(fresh.reg.obj(1)!.i[0][1], 300);
  assert.equal(fresh.reg.obj(0)!.i[0][1], true);
});

test('saves alternate between the slots and the newest wins', () => {
  const st = new MemoryStorage();
  save(st, model('coap://one', 1).reg);
  save(st, model('coap://two', 2).reg);
  assert.deepEqual(st.list('lwm2m.acc'), [SLOT_A, SLOT_B]);
  save(st, model('coap://three', 3).reg);
  const m = createObjectModel(board() as any);
  load(st, m.reg);
  assert.equal(m.reg.obj(0)!.i[1][0], 'coap://three');
});

test('a power cut at every byte of a save leaves the old or the new configuration', () => {
  const base = new MemoryStorage();
  save(base, model('coap://old', 10).reg);
  const fresh = new MemoryStorage();
  save(fresh, model('coap://new', 20).reg);
  const full = fresh.files[SLOT_A];
  for (let cut = 0; cut <= full.length; cut++) {
    const st = new MemoryStorage();
    st.files[SLOT_A] = base.files[SLOT_A];
    // the new record goes to slot B; the flash holds only `cut` bytes of it
    st.files[SLOT_B] = full.subarray(0, cut);
    const m = createObjectModel(board() as any);
    assert.equal(load(st, m.reg), true, `cut at ${cut}`);
    const uri = m.reg.obj(0)!.i[1][0];
    assert.ok(uri === 'coap://old' || (cut === full.length && uri === 'coap://new'), `cut at ${cut}: ${uri}`);
  }
});

test('a corrupted record is ignored; factory reset forgets everything', () => {
  const st = new MemoryStorage();
  save(st, model('coap://x', 5).reg);
  st.files[SLOT_A][3] ^= 0xff;
  const m = createObjectModel(board() as any);
  assert.equal(load(st, m.reg), false);
  save(st, model('coap://y', 5).reg);
  clear(st);
  assert.equal(load(st, createObjectModel(board() as any).reg), false);
});

test('with a crypto backend a record carries 4 bytes of SHA-256 as its check; one older firmware wrote (FNV-1a) still loads', () => {
  const st = new MemoryStorage();
  accountStore(st, nodeCrypto).save(model('coap://sha', 5).reg);
  const rec = st.files[SLOT_A];
  const n = rec.length - 4;
  assert.deepEqual(rec.subarray(n), nodeCrypto.sha256(rec.subarray(0, n)).subarray(0, 4));
  const m = createObjectModel(board() as any);
  assert.equal(accountStore(st, nodeCrypto).load(m.reg), true);
  assert.equal(m.reg.obj(0)!.i[1][0], 'coap://sha');
  // a torn SHA-checked record is refused as an FNV-checked one is
  st.files[SLOT_A] = rec.subarray(0, rec.length - 1);
  assert.equal(accountStore(st, nodeCrypto).load(createObjectModel(board() as any).reg), false);
  // written without a backend (as firmware before the SHA-256 check did): FNV-1a, loaded with one
  const old = new MemoryStorage();
  save(old, model('coap://fnv', 5).reg);
  const o = createObjectModel(board() as any);
  assert.equal(accountStore(old, nodeCrypto).load(o.reg), true);
  assert.equal(o.reg.obj(0)!.i[1][0], 'coap://fnv');
});

test('a server key\'s verification table: kept per account with 8 bytes of its SHA-256; a torn one is erased and not given; factory reset forgets it', () => {
  const st = new MemoryStorage();
  const a = accountStore(st);
  const t = new Uint8Array(1984).map((_, i) => (i * 7) & 255);
  assert.equal(a.table(-1, nodeCrypto), null);
  a.keepTable(-1, nodeCrypto, t);
  a.keepTable(101, nodeCrypto, t.subarray(0, 64));
  assert.deepEqual(st.list('lwm2m.vt').sort(), ['lwm2m.vt101', 'lwm2m.vtb']);
  assert.deepEqual(a.table(-1, nodeCrypto), t);
  assert.deepEqual(a.table(101, nodeCrypto), t.subarray(0, 64));
  // every cut of the bootstrap account's file, and a flipped byte: not given, and erased
  const whole = st.read('lwm2m.vtb')!;
  for (const bad of [whole.subarray(0, 1000), whole.subarray(0, 1991), whole.subarray(0, 8), (() => { const b = new Uint8Array(whole); b[5] ^= 1; return b; })()]) {
    st.write('lwm2m.vtb', bad);
    assert.equal(a.table(-1, nodeCrypto), null);
    assert.equal(st.read('lwm2m.vtb'), null);
  }
  a.clear();
  assert.deepEqual(st.list('lwm2m.vt'), []);
});
