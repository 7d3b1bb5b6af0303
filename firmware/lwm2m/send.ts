// Send (LwM2M 1.1 Core §6.4 Information Reporting, Transport §6.4): the device
// reports values it chooses, unasked: `POST /dp` to every server it is registered with whose
// Mute Send (/1/x/23) is not true, the records in SenML CBOR (112) — or SenML JSON (110) when
// the device's preferred format is that. The owner calls it (`dev.send(paths)` on the board,
// SimDevice.send in the simulator). One top-level function: what it builds lives only while
// it runs (docs/memory.md).
import type { Client } from './client';
import { CODE, FORMAT, codeStr } from '../../transport/coap/constants';
import type { CoapMessage } from '../../transport/coap/message';
import type { Conn } from './states';
import { parsePath } from '../../objects/formats/senml';
import { codec } from '../../objects/formats/index';
import { composite } from '../../objects/ops/composite';

/** Mute Send, Server resource 23 (Core 1.1 Appendix E.2). */
var MUTE_SEND = 23;

/**
 * Sends the values under `paths` ("/3303/0/5700", "/3/0", "/6") now. Returns '' when a Send
 * went to at least one server, else one line saying why none did (a bad path, nothing there,
 * no registered server, or Send muted). `done` gets each server's answer ("2.04") or the
 * failure ("timeout").
 */
export function send(c: Client, paths: string[], done?: (result: string, ssid: number) => void): string {
  if (!paths || typeof paths !== 'object' || !paths.length) return 'send: give a list of paths ("/3303/0/5700")';
  var ps: number[][] = [];
  for (var i = 0; i < paths.length; i++) {
    var p = typeof paths[i] === 'string' ? parsePath(paths[i], 1) : null;
    if (!p) return 'send: ' + paths[i] + ' is not a path /oid[/iid[/rid[/riid]]]';
    ps.push(p);
  }
  var recs = composite().recs(c.reg, ps, -1);
  if (typeof recs === 'number') return 'send: no value under ' + paths.join(' ') + ' (' + codeStr(recs) + ')';
  var cf = c.reg.fmt === FORMAT.SENML_JSON ? FORMAT.SENML_JSON : FORMAT.SENML_CBOR;
  var b = codec(cf)!.enc([], recs)!;
  var now = c.ports.clock.now();
  var n = 0;
  var muted = 0;
  function post(k: Conn): void {
    k.coap.request(k.peer, { code: CODE.POST, path: '/dp', contentFormat: cf, payload: b }, now, function (err: string | null, r?: CoapMessage) {
      var s = err || codeStr(r!.code);
      c.log('sent', 'server ' + k.ssid + ': ' + s);
      if (done) done(s, k.ssid);
    });
  }
  for (i = 0; i < c.conns.length; i++) {
    var k = c.conns[i];
    if (k.ssid < 0 || !k.location) continue;
    if (c.serverValue(k, MUTE_SEND) === true) muted++;
    else {
      n++;
      c.log('send', 'POST /dp to server ' + k.ssid + ' (' + recs.length + ' values, ' + (cf === FORMAT.SENML_JSON ? 'SenML JSON' : 'SenML CBOR') + ', ' + b.length + ' bytes)');
      post(k);
    }
  }
  if (!n) return muted ? 'send: muted by the server (/1/x/23)' : 'send: not registered';
  // the request goes out from the next poll
  if (c.reg.wake) c.reg.wake.add();
  return '';
}
