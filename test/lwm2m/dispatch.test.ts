// dispatch(): CoAP request → object-model operation → CoAP response, at the response's edges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch } from '../../firmware/lwm2m/dispatch';
import { createObjectModel } from '../../objects/index';
import { CODE, OPT, FORMAT, TYPE } from '../../transport/coap/constants';
import type { CoapMessage } from '../../transport/coap/message';
import type { Exchange, ResponseSpec } from '../../transport/coap/endpoint';
import { fakeBoard } from '../objects/fake-board';

function get(path: string, accept?: number): CoapMessage {
  const options: { num: number; value: Uint8Array }[] = path.split('/').filter(Boolean).map((s) => ({ num: OPT.URI_PATH, value: Uint8Array.from(Buffer.from(s)) }));
  // uint option (RFC 7252 §3.2): shortest big-endian form, 0 as zero length
  if (accept !== undefined) options.push({ num: OPT.ACCEPT, value: accept === 0 ? new Uint8Array(0) : accept < 256 ? Uint8Array.of(accept) : Uint8Array.of(accept >> 8, accept & 255) });
  return { type: TYPE.CON, code: CODE.GET, mid: 1, token: Uint8Array.of(1), options, payload: new Uint8Array(0) };
}

function answer(req: CoapMessage): ResponseSpec {
  const { board } = fakeBoard();
  const model = createObjectModel(board);
  model.reg.obj(1)!.add(0, { 0: 1, 1: 300, 6: true, 7: 'U' });
  let out: ResponseSpec | null = null;
  const ex = { respond: (spec: ResponseSpec) => (out = spec), observe: () => null } as unknown as Exchange;
  dispatch({ reg: model.reg, ssid: 1 }, req, ex);
  assert.ok(out);
  return out;
}

test('Read of an empty string resource as text/plain: 2.05 with Content-Format 0 and no payload (Leshan cannot decode it without)', () => {
  for (const accept of [undefined, FORMAT.TEXT]) {
    const r = answer(get('/5/0/1', accept)); // Firmware Update Package URI, "" until written
    assert.equal(r.code, CODE.CONTENT);
    assert.equal(r.contentFormat, FORMAT.TEXT);
    assert.equal(r.payload?.length ?? 0, 0);
  }
});

test('Read of an object with no instances in TLV: 2.05 with Content-Format 11542 and an empty payload', () => {
  const r = answer(get('/2', FORMAT.LWM2M_TLV)); // Access Control: no instances with a single server
  assert.equal(r.code, CODE.CONTENT);
  assert.equal(r.contentFormat, FORMAT.LWM2M_TLV);
  assert.equal(r.payload?.length ?? 0, 0);
});

test('an error answer carries no Content-Format (4.04 unknown object)', () => {
  const r = answer(get('/9999'));
  assert.equal(r.code, CODE.NOT_FOUND);
  assert.equal(r.contentFormat, undefined);
});

test('a non-empty read keeps its format (text/plain for a single string resource)', () => {
  const r = answer(get('/3/0/0'));
  assert.equal(r.code, CODE.CONTENT);
  assert.equal(r.contentFormat, FORMAT.TEXT);
  assert.equal(Buffer.from(r.payload!).toString(), 'ACME');
});

test('the Security object is out of a server\'s reach for every operation, Execute included: 4.01 (issue 15 item 8)', () => {
  for (const [code, path] of [[CODE.POST, '/0/1/0'], [CODE.POST, '/0/0/0'], [CODE.GET, '/0/1'], [CODE.GET, '/0/9/9'], [CODE.DELETE, '/0/1'], [CODE.POST, '/0'], [CODE.PUT, '/0/1']] as const) {
    const r = answer({ ...get(path), code });
    assert.equal(r.code, CODE.UNAUTHORIZED, `${code} ${path}`);
  }
});
