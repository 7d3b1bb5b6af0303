// Access Control with two LwM2M servers (LwM2M 1.1 §7.3.3 and object 2): the server's own
// ACL entry, the owner's full rights, the default ACL (riid 0), no ACL instance = no access,
// Create rights on (oid, 65535), owner-only management of ACL instances, Security never.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '../../objects/index';
import { LwObject } from '../../objects/core/registry';
import * as ops from '../../objects/ops/index';
import { tlvEnc } from '../../objects/formats/tlv';
import { T_STR, R, W } from '../../objects/core/types';
import { fakeBoard } from './fake-board';
import { recs, mkDef } from './helpers';

const enc = (s: string) => new TextEncoder().encode(s);

function setup(servers = [101, 102]) {
  const fb = fakeBoard();
  const { reg } = createClient(fb.board);
  servers.forEach((s, i) => reg.obj(1)!.add(i, { 0: s, 1: 300, 6: true, 7: 'U' }));
  reg.add(new LwObject(mkDef(9, '1.0', true, [0, T_STR | R | W])));
  const acl = reg.obj(2)!;
  acl.add(0, { 0: 3, 1: 0, 2: { 102: 1 }, 3: 101 }); // Device: 102 may read; 101 owns it
  acl.add(1, { 0: 3303, 1: 0, 2: { 0: 1 }, 3: 101 }); // Temperature: default ACL read
  acl.add(2, { 0: 3338, 1: 0, 2: {}, 3: 102 }); // Buzzer: owned by 102, no entries
  acl.add(3, { 0: 9, 1: 65535, 2: { 102: 16 }, 3: 101 }); // object 9: 102 may create
  return { reg, log: fb.log };
}
const as = (srv: number, path: number[], more: object = {}) => ({ srv, path, ...more });

test('single server: full access without ACL instances (but never Security)', () => {
  const { reg } = setup([101]);
  assert.equal(ops.read(reg, as(101, [4, 0])).code, 69);
  assert.equal(ops.execute(reg, as(101, [3303, 0, 5605])).code, 68);
  assert.equal(ops.read(reg, as(101, [0])).code, 129);
});

test('owner without an own ACL entry has full access', () => {
  const { reg, log } = setup();
  assert.equal(ops.read(reg, as(101, [3, 0])).code, 69);
  assert.equal(ops.write(reg, as(101, [3, 0, 15], { cf: 0, payload: enc('Europe/Paris') })).code, 68);
  assert.equal(ops.execute(reg, as(101, [3, 0, 4])).code, 68);
  assert.deepEqual(log, ['reboot']);
});

test('foreign server limited to its ACL entry (read only)', () => {
  const { reg, log } = setup();
  assert.equal(ops.read(reg, as(102, [3, 0, 0])).code, 69);
  assert.equal(ops.discover(reg, as(102, [3, 0])).code, 69);
  assert.equal(ops.writeAttributes(reg, as(102, [3, 0], { query: ['pmin=5'] })).code, 68);
  assert.equal(ops.write(reg, as(102, [3, 0, 15], { cf: 0, payload: enc('x') })).code, 129);
  assert.equal(ops.execute(reg, as(102, [3, 0, 4])).code, 129);
  assert.deepEqual(log, []);
});

test('default ACL (riid 0) applies to servers without an entry', () => {
  const { reg } = setup();
  assert.equal(ops.read(reg, as(102, [3303, 0, 5700])).code, 69);
  assert.equal(ops.execute(reg, as(102, [3303, 0, 5605])).code, 129);
  assert.equal(ops.execute(reg, as(101, [3303, 0, 5605])).code, 68, 'owner');
});

test('no entry, not owner, no default: no access; no ACL instance: no access', () => {
  const { reg } = setup();
  assert.equal(ops.read(reg, as(101, [3338, 0])).code, 129);
  assert.equal(ops.write(reg, as(101, [3338, 0, 5850], { cf: 0, payload: enc('1') })).code, 129);
  assert.equal(ops.write(reg, as(102, [3338, 0, 5850], { cf: 0, payload: enc('1') })).code, 68, 'owner');
  assert.equal(ops.read(reg, as(101, [4, 0])).code, 129);
  assert.equal(ops.read(reg, as(102, [4, 0])).code, 129);
});

test('object-level read returns only the instances the server may read', () => {
  const { reg } = setup();
  const a = ops.read(reg, as(101, [3303], { accept: 110 }));
  assert.equal(a.code, 69);
  assert.equal(ops.read(reg, as(101, [4])).code, 129);
});

test('Create needs the Create bit on (oid, 65535); the creator owns the new instance', () => {
  const { reg } = setup();
  const p = tlvEnc([9, 0], recs([[[9, 0, 0], T_STR, 'x']]))!;
  const r = ops.create(reg, as(102, [9], { cf: 11542, payload: p }));
  assert.deepEqual([r.code, r.path], [65, [9, 0]]);
  assert.equal(ops.read(reg, as(102, [9, 0, 0])).code, 69);
  assert.equal(ops.read(reg, as(101, [9, 0, 0])).code, 129, 'new ACL instance owned by 102 only');
  assert.equal(ops.create(reg, as(101, [9], { cf: 11542, payload: p })).code, 65, '101 owns (9, 65535)');
  assert.equal(ops.create(reg, as(101, [3303], { cf: 11542, payload: p })).code, 129, 'no ACL for (3303, 65535)');
  assert.equal(ops.del(reg, as(101, [9, 0])).code, 129);
  assert.equal(ops.del(reg, as(102, [9, 0])).code, 66);
  assert.ok(!reg.obj(2)!.iids().some((i) => reg.obj(2)!.i[i][0] === 9 && reg.obj(2)!.i[i][1] === 0), 'its ACL instance went with it');
});

test('an ACL instance is readable by all and managed by its owner only', () => {
  const { reg } = setup();
  const p = tlvEnc([2, 0, 2], recs([[[2, 0, 2, 102], 2, 3]]))!;
  assert.equal(ops.read(reg, as(102, [2, 0])).code, 69);
  assert.equal(ops.write(reg, as(102, [2, 0, 2], { cf: 11542, payload: p })).code, 129);
  assert.equal(ops.write(reg, as(101, [2, 0, 2], { cf: 11542, payload: p })).code, 68);
  assert.equal(ops.write(reg, as(102, [3, 0, 15], { cf: 0, payload: enc('x') })).code, 68, 'now 102 may write');
  assert.equal(ops.create(reg, as(101, [2], { cf: 11542, payload: p })).code, 129);
});

test('Security is never accessible to an LwM2M server, whatever the ACL says', () => {
  const { reg } = setup();
  reg.obj(0)!.add(0, { 0: 'coap://x', 1: false, 2: 3, 10: 101 });
  reg.obj(2)!.add(9, { 0: 0, 1: 0, 2: { 0: 31 }, 3: 101 });
  for (const srv of [101, 102]) {
    assert.equal(ops.read(reg, as(srv, [0, 0])).code, 129);
    assert.equal(ops.write(reg, as(srv, [0, 0, 0], { cf: 0, payload: enc('coap://evil') })).code, 129);
    assert.equal(ops.discover(reg, as(srv, [0])).code, 129);
    assert.equal(ops.del(reg, as(srv, [0, 0])).code, 129);
  }
  assert.equal(reg.obj(0)!.i[0][0], 'coap://x');
});
