// The simulator's names for CoAP codes come from the one table (transport/coap/constants.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeName, codeStr } from '../../sim/lwm2m-common';
import { CODE, FORMAT } from '../../transport/coap/constants';
import { CF_LINK, CF_OPAQUE, CF_SENML_CBOR, CF_SENML_JSON, CF_TEXT, CF_TLV } from '../../objects/formats/index';

test('codes: "c.dd" and Leshan\'s ResponseCode names', () => {
  assert.equal(codeStr(CODE.CONTENT), '2.05');
  assert.equal(codeStr(CODE.UNSUPPORTED_CONTENT_FORMAT), '4.15');
  assert.equal(codeName(CODE.CONTENT), 'CONTENT(205)');
  assert.equal(codeName(CODE.NOT_FOUND), 'NOT_FOUND(404)');
  assert.equal(codeName(CODE.REQUEST_ENTITY_INCOMPLETE), 'REQUEST_ENTITY_INCOMPLETE(408)');
  assert.equal(codeName(CODE.PROXYING_NOT_SUPPORTED), 'PROXYING_NOT_SUPPORTED(505)');
  assert.equal(codeName(CODE.GET), 'UNKNOWN(1)'); // a request code is not a response code
  assert.equal(codeName(0x9f), 'UNKNOWN(431)');
});

test('codes: the objects\' Content-Format names are FORMAT\'s numbers', () => {
  assert.deepEqual([CF_TEXT, CF_LINK, CF_OPAQUE, CF_SENML_JSON, CF_SENML_CBOR, CF_TLV], [FORMAT.TEXT, FORMAT.LINK, FORMAT.OCTET, FORMAT.SENML_JSON, FORMAT.SENML_CBOR, FORMAT.LWM2M_TLV]);
  assert.deepEqual([CF_TEXT, CF_LINK, CF_OPAQUE, CF_SENML_JSON, CF_SENML_CBOR, CF_TLV], [0, 40, 42, 110, 112, 11542]);
});
