// Firmware Update (object 5, v1.1): resources and the state machine of LwM2M 1.1
// Appendix E.6. State 0 Idle, 1 Downloading, 2 Downloaded, 3 Updating; Update
// Result 0 initial, 1 success, 2 no storage, 3 no memory, 4 connection lost,
// 5 integrity check failure, 6 unsupported package, 7 invalid URI, 8 update failed,
// 9 unsupported protocol. The transfer is the board's (FirmwarePort, built by board.fwPort
// when a transfer starts and let go when it ends: nothing of it stays at rest); it reports
// back here. A package pushed with Block1 comes block by block through the hook (ON_BLOCK).
import { LwObject, ON_READ, ON_CHECK, ON_WRITTEN, ON_EXECUTE } from './core/registry';
import { objDef } from './core/defs';
import { CHANGED, NOT_ALLOWED, BAD_REQUEST, CONTINUE, INCOMPLETE, TOO_LARGE } from './core/errors';
import { Multi, Value } from './core/types';
import { Board, FirmwarePort } from './board';

/** The Firmware Update object; the board's transfer reports back through its hook (ON_DOWNLOADED, ON_UPDATED). */
export type FirmwareApi = LwObject;

// State on the object, read by top-level functions (0-security.ts says why not closures).
interface Fw extends LwObject {
  /** The board. */
  hw: Board;
}

/**
 * A block of a package pushed to 5/0/0 with Block1 (RFC 7959), streamed to the board as it
 * arrives (firmware/lwm2m/dispatch.ts): `o.hook(ON_BLOCK, offset, more ? 1 : 0, data)` gives
 * the CoAP code to answer (2.31 Continue, 2.04 after the last). Through the hook, not a method
 * of its own: nothing more for Espruino to hold at rest.
 */
export var ON_BLOCK = 7;

/**
 * The board's transfer reports its end: `o.hook(ON_DOWNLOADED, result, -1)`, the download
 * finished (result 0 -> Downloaded, else back to Idle with that Update Result);
 * `o.hook(ON_UPDATED, ok ? 1 : 0, -1)`, the update finished (success -> Idle, Update Result 1;
 * failure -> Idle, Update Result 8). Through the hook, not methods: two functions and two
 * properties fewer for Espruino to hold.
 */
export var ON_DOWNLOADED = 8;
export var ON_UPDATED = 9;

/** The board's transfer: the one in progress, else a new one told of this object (null: the board has none). */
function port(o: LwObject): FirmwarePort | null {
  var b = (o as Fw).hw;
  if (!b.fw && b.fwPort) {
    b.fw = b.fwPort();
    if (b.fw.boot) b.fw.boot(o as FirmwareApi);
  }
  return b.fw || null;
}

/** State `s` and, when r >= 0, Update Result `r`. */
function state(o: LwObject, s: number, r: number): void {
  o.set(0, 3, s);
  if (r >= 0) o.set(0, 5, r);
}

function hook(this: LwObject, ev: number, iid: number, rid: number, v?: Value): Value | Multi | undefined {
  var o = this;
  var board = (this as Fw).hw;
  // Values not stored until written (each stored one holds Espruino variables for good): Package
  // URI, PkgName and PkgVersion '' (fota.ts sets the version), Protocol Support CoAP and CoAPS,
  // Delivery Method both (pull and push).
  if (ev === ON_READ) {
    var x = o.i[iid];
    return !x || x[rid] !== undefined ? undefined : rid === 1 || rid === 6 || rid === 7 ? '' : rid === 8 ? { 0: 0, 1: 1 } : rid === 9 ? 2 : undefined;
  }
  if (ev === ON_CHECK) {
    // A new package or URI is taken in Idle only; an empty one always (it cancels, §E.6).
    var empty = (v as string | Uint8Array).length === 0;
    // (a URI that is not one is taken: the board answers Update Result 7)
    return !empty && o.i[0][3] !== 0 ? BAD_REQUEST : !empty && rid === 0 && !board.fw && !board.fwPort ? BAD_REQUEST : 0;
  }
  if (ev === ON_BLOCK) {
    var st = o.i[0][3] as number;
    var off = iid;
    // a push starts in Idle (or restarts one cut short); later blocks belong to it
    if (off === 0 ? st > 1 || !port(o) : st !== 1) return off === 0 ? BAD_REQUEST : INCOMPLETE;
    var r = piece(o, off, v as Uint8Array, rid > 0);
    return r === 2 ? TOO_LARGE : r ? BAD_REQUEST : rid ? CONTINUE : CHANGED;
  }
  if (ev === ON_DOWNLOADED) {
    if (o.i[0][3] === 1) state(o, iid ? 0 : 2, iid);
    // the transfer ended: the board's port goes (as in piece())
    if (board.fwPort) board.fw = undefined;
  } else if (ev === ON_UPDATED) {
    if (o.i[0][3] === 3) state(o, 0, iid ? 1 : 8);
  } else if (ev === ON_WRITTEN) {
    var w = o.i[0][rid] as string | Uint8Array;
    if (!w.length) state(o, 0, 0);
    else if (rid === 0) {
      // A package in one request (no Block1): one piece
      o.i[0][0] = new Uint8Array(0);
      piece(o, 0, w as Uint8Array, false);
    } else {
      state(o, 1, 0);
      var fw = port(o);
      if (fw) fw.download(w as string);
      else state(o, 0, 9);
    }
  } else if (ev === ON_EXECUTE) {
    if (rid !== 2 || o.i[0][3] !== 2) return NOT_ALLOWED;
    state(o, 3, -1);
    port(o)!.update();
    return CHANGED;
  }
  return undefined;
}

/** One piece of a pushed package to the board: Downloading, or Idle with the Update Result that ended it. */
function piece(o: LwObject, off: number, data: Uint8Array, more: boolean): number {
  var b = (o as Fw).hw;
  if (off === 0) state(o, 1, 0);
  var r = port(o)!.block(off, data, more);
  if (r) {
    state(o, 0, r);
    // the transfer ended: the board's port goes (as in ON_DOWNLOADED)
    if (b.fwPort) b.fw = undefined;
  }
  return r;
}

export function firmwareUpdate(board: Board): FirmwareApi {
  var o = new LwObject(objDef(5)!) as Fw;
  o.hw = board;
  // State and Update Result; the others are the hook's until written (ON_READ)
  o.add(0, { 3: 0, 5: 0 });
  o.hook = hook;
  // what this boot reports (a bundle on trial keeps its port: it confirms itself once registered)
  var fw = board.fw || (board.fwPort && board.fwPort());
  if (fw && fw.boot && fw.boot(o)) board.fw = fw;
  else if (board.fwPort) board.fw = undefined;
  return o;
}
