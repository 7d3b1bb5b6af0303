// Information Reporting's threshold attributes (LwM2M 1.1 Core §5.1.2): gt, lt and st are
// evaluated on the resource's value whatever Content-Format the server observes it in —
// text/plain, TLV or SenML CBOR (issue 15 item 7: they worked with text/plain only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reporting } from '../../firmware/lwm2m/reporting';
import { createObjectModel } from '../../objects/index';
import * as ops from '../../objects/ops/index';
import { fakeBoard } from '../objects/fake-board';

const P = [3303, 0, 5700];

/** A relation that records the formats of its notifications. */
function relation() {
  const sent: number[] = [];
  return { sent, rel: { active: true, cancel() {}, notify: (spec: { contentFormat?: number }) => sent.push(spec.contentFormat ?? -1) } as any };
}

for (const [name, accept] of [['text/plain', 0], ['TLV', 11542], ['SenML CBOR', 112]] as const) {
  test(`gt/lt/st with the server asking ${name} (Accept ${accept}): only crossings and steps are notified`, () => {
    const { reg } = createObjectModel(fakeBoard().board);
    const temp = reg.obj(3303)!;
    temp.set(0, 5700, 21.5);
    assert.equal(ops.writeAttributes(reg, { srv: 101, path: P, query: ['gt=25', 'lt=10', 'st=5'] }).code, 68);
    const rep = new Reporting(reg, false);
    const { sent, rel } = relation();
    const req = { srv: 101, path: P, accept };
    rep.add(rel, 101, P, req, ops.read(reg, req), 0);
    let now = 0;
    const step = (v: number) => {
      temp.set(0, 5700, v);
      rep.poll((now += 1000));
      return sent.length;
    };
    assert.equal(step(22), 0, 'no threshold crossed, step 0.5 < 5');
    assert.equal(step(24.9), 0, 'still below gt, step 3.4 < 5');
    assert.equal(step(25.5), 1, 'gt=25 crossed upwards');
    assert.equal(step(26), 1, 'above gt, no step');
    assert.equal(step(31.5), 2, 'st=5: 5.5 since the last notification');
    assert.equal(step(9), 3, 'lt=10 crossed downwards');
    assert.deepEqual(sent, [accept, accept, accept], 'notifications keep the observed format');
  });
}
