// Access Control with two LwM2M servers (LwM2M 1.1 §7.3.3 and object 2): the server's own
// ACL entry, the owner's full rights, the default ACL (riid 0), no ACL instance = no access,
// Create rights on (oid, 65535), owner-only management of ACL instances, Security never.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createObjectModel } from '../../objects/index';
import { LwObject } from '../../objects/core/registry';
import * as ops from '../../objects/ops/index';
import { tlvEnc } from '../../objects/formats/tlv';
import { T_STR, R, W } from '../../objects/core/types';
import { lifecycle } from '../../firmware/lwm2m/lifecycle';
import { fakeBoard } from './fake-board';
import { recs, mkDef } from './helpers';

const enc = (s: string) => new TextEncoder().encode(s);

function setup(servers = [101, 102]) {
  const fb = fakeBoard();
  const { reg } = createObjectModel(fb.board);
  servers.forEach((s, i) => reg.obj(1)!.add(i, { 0: s, 1: 300, 6: true, 7: 'U' }));
  const nine = new LwObject(mkDef(9, '1.0', true, [0, T_STR | R | W]));
  reg.o[9] = nine;
  nine.reg = reg;
  const acl = reg.obj(2)!;
  acl.add(0, { 0: 3, 1: 0, 2: { 102: 1 }, 3: 101 }); // Device: 102 may read; 101 owns it
  acl.add(1, { 0: 3303, 1: 0, 2: { 0: 1 }, 3: 101 }); // Temperature: default ACL read
  acl.add(2, { 0: 3338, 1: 0, 2: {}, 3: 102 }); // Buzzer: owned by 102, no entries
  acl.add(3, { 0: 9, 1: 65535, 2: { 102: 16, 0: 16 }, 3: 65535 }); // object 9: 102 may create (the default entry grants no Create)
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
  // Create's right comes only from the server's own entry of (9, 65535): not the default
  // entry (riid 0), not ownership (issue 15 item 12; the test once asserted the opposite).
  const p1 = tlvEnc([9], recs([[[9, 1, 0], T_STR, 'y']]))!;
  assert.equal(ops.create(reg, as(101, [9], { cf: 11542, payload: p1 })).code, 129, '101 has no own entry in (9, 65535)');
  reg.obj(2)!.i[3][3] = 101;
  assert.equal(ops.create(reg, as(101, [9], { cf: 11542, payload: p1 })).code, 129, 'owning (9, 65535) grants no Create');
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
  assert.equal(ops.write(reg, as(102, [3, 0, 15], { cf: 0, payload: enc('Europe/Paris') })).code, 68, 'now 102 may write');
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

test('Discover needs no Access Control right; Security stays unreachable (issue 15 item 12)', () => {
  const { reg } = setup();
  assert.equal(ops.read(reg, as(101, [3338, 0])).code, 129);
  const d = ops.discover(reg, as(101, [3338, 0]));
  assert.equal(d.code, 69);
  assert.ok(new TextDecoder().decode(d.payload).startsWith('</3338/0>,</3338/0/5850>'));
  assert.equal(ops.discover(reg, as(101, [4])).code, 69, 'no ACL instance: still discoverable');
  assert.equal(ops.discover(reg, as(101, [0])).code, 129);
});

test('an object-level ACL instance (iid 65535) is the Bootstrap-Server\'s: no server may write it, even its owner (issue 15 item 12)', () => {
  const { reg } = setup();
  reg.obj(2)!.i[3][3] = 101;
  const p = tlvEnc([2, 3, 2], recs([[[2, 3, 2, 101], 2, 16]]))!;
  assert.equal(ops.write(reg, as(101, [2, 3, 2], { cf: 11542, payload: p })).code, 129);
});

test('Bootstrap-Finish checks (lifecycle bsCheck): 4.06 for two servers without ACL, an object ACL not owned by 65535, duplicate Short Server IDs, two Bootstrap-Server accounts (issue 15 items 12, 13)', () => {
  const fresh = (servers: number[]) => {
    const { reg } = createObjectModel(fakeBoard().board);
    reg.obj(0)!.add(0, { 0: 'coap://bs', 1: true, 2: 3 });
    servers.forEach((s, i) => {
      reg.obj(0)!.add(i + 1, { 0: 'coap://dm' + i, 1: false, 2: 3, 10: s });
      reg.obj(1)!.add(i, { 0: s, 1: 300 });
    });
    return reg;
  };
  const check = (reg: any) => lifecycle({ reg } as any).bsCheck();
  assert.equal(check(fresh([101])), '', 'one server needs no ACL');
  let reg = fresh([101, 102]);
  assert.match(check(reg), /2 LwM2M servers and no Access Control instance/);
  reg.obj(2)!.add(0, { 0: 1, 1: 0, 2: { 101: 3 }, 3: 101 });
  assert.equal(check(reg), '');
  reg.obj(2)!.add(1, { 0: 3303, 1: 65535, 2: { 101: 16 }, 3: 101 });
  assert.match(check(reg), /Access Control \/2\/1 governs object 3303 but its owner is not 65535/);
  reg.obj(2)!.i[1][3] = 65535;
  assert.equal(check(reg), '');
  reg = fresh([101, 101]);
  reg.obj(2)!.add(0, { 0: 1, 1: 0, 2: {}, 3: 101 });
  assert.match(check(reg), /two LwM2M server accounts with Short Server ID 101/);
  reg = fresh([101]);
  reg.obj(1)!.add(5, { 0: 101 });
  assert.match(check(reg), /two Server instances with Short Server ID 101/);
  reg = fresh([101]);
  reg.obj(0)!.add(7, { 0: 'coap://bs2', 1: true, 2: 3 });
  assert.match(check(reg), /2 Bootstrap-Server accounts/);
});
