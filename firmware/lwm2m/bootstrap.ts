// Client-initiated bootstrap (LwM2M 1.1 Core §6.1): Bootstrap-Request, Bootstrap-Finish and
// the consistency checks it makes, restoring what a Bootstrap-Delete hid, and the
// Bootstrap-Server Account Timeout (/0/x/12, E.1). The server's writes themselves are
// objects/ops/bootstrap.ts. Part of the lifecycle (lifecycle.ts).
import { CODE, codeStr } from '../../transport/coap/constants';
import type { CoapMessage } from '../../transport/coap/message';
import { SecurityRes } from '../../objects/0-security';
import { accountStore } from './persistence';
import { Phase } from './states';
import type { Client } from './client';
import type { Lifecycle } from './lifecycle';

export function bootstrapSteps(cl: Client, lc: Lifecycle): void {
  function requestBootstrap(now: number): void {
    var bs = lc.bootstrapIid();
    var why = lc.noPsk(bs[0]);
    // the last failure's reason goes (absent, not '': Client.lastError)
    if (why) cl.lastError = why;
    else delete cl.lastError;
    var c = cl.conns.length && cl.conns[0].ssid < 0 ? cl.conns[0] : why ? null : lc.open(bs[0], -1);
    if (!c) {
      var u = cl.reg.obj(0)!.get(bs[0], 0);
      cl.lastError = cl.lastError || 'Bootstrap-Server URI unusable: ' + u + lc.noIpv6(u);
      cl.log('error', cl.lastError);
      lc.enter(Phase.STOPPED, now);
      return;
    }
    cl.phase = 2;
    cl.due = now + cl.params.exchangeLifetime;
    var q = ['ep=' + cl.cfg.endpoint, 'pct=' + cl.reg.fmt];
    cl.log('bootstrap-request', 'POST /bs?' + q.join('&') + ' to ' + c.key);
    c.coap.request(c.peer, { code: CODE.POST, path: '/bs', query: q }, now, function (err: string | null, res?: CoapMessage) {
      if (cl.state !== Phase.BOOTSTRAPPING) return;
      if (err || !res || res.code !== CODE.CHANGED) {
        failBootstrap(cl.now, 'Bootstrap-Request: ' + (err || codeStr(res!.code)));
        return;
      }
      cl.phase = 3;
      cl.log('bootstrap-request', 'accepted (2.04); waiting for the server\'s writes');
    });
  }

  function failBootstrap(now: number, why: string): void {
    bsRestore();
    cl.lastError = why;
    cl.attempts = (cl.attempts || 0) + 1;
    lc.closeAll(false);
    lc.backoff(now, Phase.BOOTSTRAPPING);
  }

  /** Bootstrap-Finish: accept only a configuration with at least one usable LwM2M server account (Core §6.1.7). */
  function finish(): number {
    if (cl.state !== Phase.BOOTSTRAPPING) return CODE.METHOD_NOT_ALLOWED;
    var why = lc.serverAccounts(true).length ? bsCheck() : 'no usable LwM2M server account';
    if (why) {
      cl.log('bootstrap-finish', 'refused (4.06): ' + why);
      return CODE.NOT_ACCEPTABLE;
    }
    bsRestore();
    cl.finished = true;
    cl.log('bootstrap-finish', 'accepted (2.04)');
    return CODE.CHANGED;
  }

  function afterFinish(now: number): void {
    var st = accountStore(cl.ports.storage, cl.ports.crypto);
    st.save(cl.reg);
    // new credentials: no session made with the old ones is offered again
    st.drop();
    cl.log('persist', 'accounts saved');
    // attempts is not reset here: only a registration that succeeds ends a run of failures,
    // so a server that keeps refusing is retried ever more slowly, not bootstrapped in a loop.
    armPurge(now);
    lc.enter(Phase.REGISTERING, now);
  }

  /**
   * Why Bootstrap-Finish must answer 4.06 Not Acceptable (Core §6.1.7: the configuration is
   * inconsistent), or '' when it may be accepted: two Bootstrap-Server accounts; two LwM2M
   * server accounts or Server instances with one Short Server ID; an Access Control instance
   * for an object (instance 65535) whose owner is not 65535 (only the Bootstrap-Server manages
   * those, §7.3.3, E.3); two or more LwM2M servers and no Access Control instance at all
   * ("MUST be instantiated unless all LwM2M Servers are granted full access": without one,
   * core/acl.ts grants a server of several nothing, not even its own Server instance).
   */
  function bsCheck(): string {
    var reg = cl.reg;
    var sec = reg.obj(0)!;
    var l = sec.iids();
    var seen = ',';
    var bs = 0;
    var k;
    for (k = 0; k < l.length; k++) {
      var x = sec.i[l[k]];
      var id = x[SecurityRes.ShortServerId];
      if (x[SecurityRes.BootstrapServer] === true) bs++;
      else if (seen.indexOf(',' + id + ',') >= 0) return 'two LwM2M server accounts with Short Server ID ' + id;
      else seen += id + ',';
    }
    if (bs > 1) return bs + ' Bootstrap-Server accounts';
    var s = reg.servers();
    for (k = 0; k < s.length; k++) if (s.indexOf(s[k]) !== k) return 'two Server instances with Short Server ID ' + s[k];
    var ac = reg.obj(2)!;
    var a = ac.iids();
    for (k = 0; k < a.length; k++) if (ac.i[a[k]][1] === 65535 && ac.i[a[k]][3] !== 65535) return 'Access Control /2/' + a[k] + ' governs object ' + ac.i[a[k]][0] + ' but its owner is not 65535';
    if (s.length > 1 && !a.length) return s.length + ' LwM2M servers and no Access Control instance';
    return '';
  }

  /** Brings back the device's own instances a Bootstrap-Delete hid and no Bootstrap-Write re-created. */
  function bsRestore(): void {
    var reg = cl.reg;
    var g = reg.gone;
    if (!g) return;
    for (var k in g) {
      if (!g.hasOwnProperty(k)) continue;
      var p = k.split('/');
      var o = reg.obj(+p[0])!;
      if (o.has(+p[1])) continue;
      o.i[p[1]] = g[k];
      reg.changed(+p[0], +p[1], -1);
    }
    delete reg.gone;
  }

  /** Bootstrap-Server accounts with a timeout (/0/x/12 > 0, seconds): the earliest ends at cl.bsTo. */
  function armPurge(now: number): void {
    var sec = cl.reg.obj(0)!;
    var l = lc.bootstrapIid();
    var t = -1;
    for (var i = 0; i < l.length; i++) {
      var v = sec.i[l[i]][SecurityRes.BootstrapTimeout];
      if (typeof v === 'number' && v > 0 && (t < 0 || v < t)) t = v;
    }
    if (t > 0) cl.bsTo = now + t * 1000;
    else delete cl.bsTo;
  }

  function purge(now: number): void {
    var sec = cl.reg.obj(0)!;
    var l = lc.bootstrapIid();
    for (var i = 0; i < l.length; i++) {
      var v = sec.i[l[i]][SecurityRes.BootstrapTimeout];
      if (typeof v === 'number' && v > 0) {
        delete sec.i[l[i]];
        cl.log('bootstrap', 'Bootstrap-Server Account Timeout (' + v + ' s) over: /0/' + l[i] + ' purged');
      }
    }
    accountStore(cl.ports.storage, cl.ports.crypto).save(cl.reg);
    armPurge(now);
  }

  lc.requestBootstrap = requestBootstrap;
  lc.failBootstrap = failBootstrap;
  lc.finish = finish;
  lc.afterFinish = afterFinish;
  lc.bsCheck = bsCheck;
  lc.bsRestore = bsRestore;
  lc.armPurge = armPurge;
  lc.purge = purge;
}
