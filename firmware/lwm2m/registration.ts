// Registration (LwM2M 1.1 Core §6.2): Register with each usable server account, its failures
// and the fallback to bootstrap, De-register, and Disable (/1/x/4). Update is the Client's
// own (client.ts: it runs at rest). Part of the lifecycle (lifecycle.ts).
import { CODE, OPT, FORMAT, codeStr } from '../../transport/coap/constants';
import { CoapMessage, getStrings } from '../../transport/coap/message';
import * as ops from '../../objects/ops/index';
import { ServerRes } from '../../objects/1-server';
import { utf8Encode } from '../../transport/bytes';
import { Phase, Conn } from './states';
import type { Client } from './client';
import type { Lifecycle } from './lifecycle';

export function registrationSteps(cl: Client, lc: Lifecycle): void {
  function openServers(now: number): void {
    var acc = lc.serverAccounts();
    for (var i = 0; i < acc.length; i++) {
      if (cl.off && cl.off.hasOwnProperty('s' + acc[i].ssid)) continue;
      var c = cl.connOf(acc[i].ssid);
      if (!c) c = lc.open(acc[i].sec, acc[i].ssid);
      if (c && !c.busy && !c.location) register(c, now);
    }
    if (!acc.length) {
      cl.lastError = 'no usable LwM2M server account';
      lc.enter(Phase.BOOTSTRAPPING, now);
    }
  }

  /**
   * The Register payload. `ct` only for a preferred format other than TLV, the format a
   * server assumes without it (LwM2M 1.0's mandatory one; wakaama-based servers refuse any
   * `ct` they do not expect with 4.00), and not at all once a server refused it (cl.noCt).
   */
  function links(): string {
    var f = cl.reg.fmt;
    return '</>;rt="oma.lwm2m"' + (f !== FORMAT.LWM2M_TLV && !cl.noCt ? ';ct=' + f : '') + ',' + ops.objectLinks(cl.reg);
  }

  function register(c: Conn, now: number): void {
    var lt = cl.serverValue(c, ServerRes.Lifetime);
    c.lifetime = typeof lt === 'number' && lt > 0 ? lt : 86400;
    c.busy = true;
    delete c.linksDirty;
    cl.reporting.clear(c.ssid);
    // The binding actually used, whatever the Server object's (1/x/7) says: UDP is the one
    // transport this client has (no SMS), as the Device's Supported Binding (3/0/16) says.
    var q = ['ep=' + cl.cfg.endpoint, 'lt=' + c.lifetime, 'lwm2m=1.1', 'b=U'];
    // queue mode: LwM2M 1.1's `Q` (no value; 1.0's binding `UQ` is no 1.1 binding)
    if (cl.opt.queue) q.push('Q');
    var body = links();
    cl.log('register', 'POST /rd?' + q.join('&') + ' to ' + c.key);
    c.coap.request(c.peer, { code: CODE.POST, path: '/rd', query: q, contentFormat: FORMAT.LINK, payload: utf8Encode(body) }, now, function (err: string | null, res?: CoapMessage) {
      delete c.busy;
      if (!err && res && res.code === CODE.BAD_REQUEST && body.indexOf(';ct=') > 0) {
        // a server that does not take our `ct`: at once again without it (and from now on)
        cl.noCt = true;
        cl.log('register', 'server ' + c.ssid + ' refused the Register with ct (4.00): registering without it');
        register(c, cl.now);
        return;
      }
      if (err || !res || res.code !== CODE.CREATED) {
        failRegistration(c, cl.now, 'Register: ' + (err || codeStr(res!.code)));
        return;
      }
      c.location = '/' + (getStrings(res, OPT.LOCATION_PATH) || []).join('/');
      delete cl.attempts;
      cl.schedule(c, cl.now);
      cl.log('registered', 'server ' + c.ssid + ' at ' + c.location + ', lifetime ' + c.lifetime + ' s');
      if (cl.state === Phase.REGISTERING) lc.enter(Phase.REGISTERED, cl.now);
    });
  }

  function failRegistration(c: Conn, now: number, why: string): void {
    cl.lastError = why;
    c.location = '';
    delete c.busy;
    lc.close(c);
    var n = (cl.attempts = (cl.attempts || 0) + 1);
    // LwM2M 1.1 §6.2.1.1: after the retries, fall back to bootstrap when the Server object allows it (1/x/16, default true).
    var bsOnFail = cl.serverValue(c, ServerRes.BootstrapOnFailure);
    // Every third failure in a row, bootstrap again; the backoff grows with every failure.
    cl.log('register', 'server ' + c.ssid + ': ' + why + ' (' + n + ' failures in a row)');
    if (n % 3 === 0 && bsOnFail !== false && lc.bootstrapIid().length) {
      cl.log('register', 'failed ' + n + ' times: falling back to bootstrap');
      lc.closeAll(false);
      lc.backoff(now, Phase.BOOTSTRAPPING);
      return;
    }
    lc.backoff(now, Phase.REGISTERING);
  }

  function deregister(c: Conn, now: number, done: () => void): void {
    cl.log('deregister', 'DELETE ' + c.location);
    var loc = c.location;
    c.location = '';
    c.coap.request(c.peer, { code: CODE.DELETE, path: loc }, now, function (err: string | null) {
      cl.log('deregistered', 'server ' + c.ssid + (err ? ' (' + err + ')' : ''));
      done();
    });
  }

  function disableNow(c: Conn, now: number): void {
    delete c.disable;
    if (!c.location) return;
    var t = cl.serverValue(c, ServerRes.DisableTimeout);
    (cl.off || (cl.off = {}))['s' + c.ssid] = now + (typeof t === 'number' && t >= 0 ? t : 86400) * 1000;
    deregister(c, now, function () {
      lc.close(c);
    });
  }

  function registered(): boolean {
    var n = 0;
    for (var i = 0; i < cl.conns.length; i++) if (cl.conns[i].ssid >= 0 && cl.conns[i].location) n++;
    return n > 0 && n === lc.serverAccounts().length;
  }

  lc.openServers = openServers;
  lc.links = links;
  lc.register = register;
  lc.failRegistration = failRegistration;
  lc.deregister = deregister;
  lc.disableNow = disableNow;
  lc.registered = registered;
}
