// Queue mode (LwM2M 1.1 Core §6.5, Register's `Q` parameter, Transport §6.2.1): the device
// stays reachable for an awake time after its last exchange (CoAP MAX_TRANSMIT_WAIT unless
// configured, ClientOptions.awake), then turns its radio off (the host's `radio` hook: Wi-Fi
// modem sleep on the board, a closed socket in the simulator). Its own timers wake it — an
// Update before the lifetime ends, a notification due (pmin/pmax, a changed value) — and it
// sends an Update first, which tells the server it is awake: the server then sends what it
// queued meanwhile, answered in the awake window that follows. One top-level function over the
// Client's state (a function costs Espruino variables on every device, in queue mode or not).
import { Phase } from './states';
import type { Client } from './client';

/** What nap() is asked to do. */
export const enum Nap {
  /** sleep if it is time (returns when to look again, or -1) */
  DOZE = 0,
  /** an exchange; a sleeping radio wakes */
  WAKE = 1,
  /** as WAKE, and an Update on each registration tells its server that the device is awake */
  ANNOUNCE = 2,
}

/**
 * DOZE: sleeps when the awake time since the last exchange is over and nothing is in flight.
 * WAKE, ANNOUNCE: notes an exchange, and turns a sleeping radio on.
 */
export function nap(cl: Client, now: number, what: Nap): number {
  var i, c;
  if (what === Nap.DOZE) {
    if (cl.asleep || cl.state !== Phase.REGISTERED) return -1;
    for (i = 0; i < cl.conns.length; i++) {
      c = cl.conns[i];
      // a request, a CON notification or a handshake still going: not now (its own deadline brings a poll)
      if (c.busy || c.coap._tx.length || (c.dtls && !c.sessions)) return -1;
    }
    var at = cl.act! + (cl.opt.awake || cl.params.maxTransmitWait);
    if (now < at) return at;
    cl.asleep = true;
    cl.log('queue', 'sleeping: radio off');
    if (cl.opt.radio) cl.opt.radio(false);
    return -1;
  }
  cl.act = now;
  if (!cl.asleep) return -1;
  cl.asleep = false;
  cl.log('queue', 'awake: radio on');
  if (cl.opt.radio) cl.opt.radio(true);
  if (what === Nap.ANNOUNCE) {
    for (i = 0; i < cl.conns.length; i++) {
      c = cl.conns[i];
      if (c.ssid >= 0 && c.location && !c.busy) cl.update(c, now);
    }
  }
  return -1;
}
