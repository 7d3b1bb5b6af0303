// Queue mode (LwM2M 1.1 Core §6.5, Register's `Q` parameter, Transport §6.2.1): the device
// stays reachable for an awake time after its last exchange (CoAP MAX_TRANSMIT_WAIT unless
// configured, ClientOptions.awake), then turns its radio off (the host's `radio` hook: Wi-Fi
// modem sleep on the board, a closed socket in the simulator). Its own timers wake it — an
// Update before the lifetime ends, a notification due (pmin/pmax, a changed value) — and it
// sends an Update first, which tells the server it is awake: the server then sends what it
// queued meanwhile, answered in the awake window that follows. Top-level functions over the
// Client's state: no closure, and nothing at all for a device not in queue mode.
import { Phase } from './states';
import type { Client } from './client';

/** Sleeps when the awake time since the last exchange is over and nothing is in flight; returns when to look again, or -1. */
export function doze(cl: Client, now: number): number {
  if (cl.asleep || cl.state !== Phase.REGISTERED) return -1;
  for (var i = 0; i < cl.conns.length; i++) {
    var c = cl.conns[i];
    // a request, a CON notification or a handshake still going: not now (its own deadline brings a poll)
    if (c.busy || c.coap._tx.length || (c.dtls && !c.sessions)) return -1;
  }
  var at = cl.act! + (cl.opt.awake || cl.params.MAX_TRANSMIT_WAIT);
  if (now < at) return at;
  cl.asleep = true;
  cl.log('queue', 'sleeping: radio off');
  if (cl.opt.radio) cl.opt.radio(false);
  return -1;
}

/** Radio on (when asleep); with `announce`, an Update on each registration tells its server that the device is awake. */
export function rouse(cl: Client, now: number, announce: boolean): void {
  cl.act = now;
  if (!cl.asleep) return;
  cl.asleep = false;
  cl.log('queue', 'awake: radio on');
  if (cl.opt.radio) cl.opt.radio(true);
  if (!announce) return;
  for (var i = 0; i < cl.conns.length; i++) {
    var c = cl.conns[i];
    if (c.ssid >= 0 && c.location && !c.busy) cl.update(c, now);
  }
}
