// Emulations of Espruino's built-in modules for the stripped vm context
// (sim/espruino-vm.ts `modules`), faithful to what ../shared/ESPRUINO.md measured:
// dgram takes and delivers binary strings (a non-string send is an error), truncates
// datagrams above recvBufferSize (528 by default); Storage is binary-safe, truncates
// names to 28 characters, refuses zero-length files, and a write with a total size
// reserves the file as erased flash (0xFF) to be completed by offset writes.
import dgram from 'node:dgram';

export interface EmuDgram {
  createSocket(opts: { type: string; recvBufferSize?: number } | string): any;
  /** Sockets created so far (tests close them). */
  sockets: any[];
}

export function emuDgram(): EmuDgram {
  const sockets: any[] = [];
  return {
    sockets,
    createSocket(opts) {
      const limit = typeof opts === 'object' && opts.recvBufferSize ? opts.recvBufferSize : 528;
      const s = dgram.createSocket('udp4');
      const handlers: Record<string, ((a: any, b: any) => void)[]> = {};
      const emit = (ev: string, a: any, b?: any) => (handlers[ev] || []).forEach((h) => h(a, b));
      s.on('message', (m, r) => {
        const cut = m.subarray(0, Math.min(m.length, limit));
        emit('message', cut.toString('latin1'), { address: r.address, port: r.port, size: cut.length });
      });
      s.on('error', (e) => emit('error', e));
      const sock = {
        on(ev: string, h: (a: any, b: any) => void) {
          (handlers[ev] = handlers[ev] || []).push(h);
        },
        bind(port: number, cb?: () => void) {
          s.bind(port, '127.0.0.1', () => cb && cb());
        },
        send(data: unknown, a: number, b: any, c?: number, d?: string) {
          if (typeof data !== 'string') throw new Error('dgram send needs a string (Espruino sends a Uint8Array as text)');
          const [port, host, off, len] = c === undefined ? [a, b as string, 0, data.length] : [c, d as string, a, b as number];
          s.send(Buffer.from(data.substr(off, len), 'latin1'), port, host);
        },
        close() {
          s.close();
        },
        get boundPort() {
          return s.address().port;
        },
      };
      sockets.push(sock);
      return sock;
    },
  };
}

export interface EmuStorage {
  files: Record<string, string>;
  read(name: string): string | undefined;
  write(name: string, data: string, offset?: number, size?: number): boolean;
  erase(name: string): void;
  list(): string[];
  /** Every mutating call, in order (for power-cut tests). */
  ops: string[];
}

export function emuStorage(files: Record<string, string> = {}): EmuStorage {
  const ops: string[] = [];
  const st: EmuStorage = {
    files,
    ops,
    read: (name) => files[name.slice(0, 28)],
    write(name, data, offset, size) {
      if (typeof data !== 'string') data = String(data);
      name = name.slice(0, 28); // Espruino truncates silently
      ops.push(`write ${name}`);
      if (offset === undefined || (offset === 0 && size === undefined)) {
        if (data.length === 0) throw new Error("Can't create zero length file");
        files[name] = data;
        return true;
      }
      if (offset === 0 && size !== undefined) {
        if (size === 0) throw new Error("Can't create zero length file");
        files[name] = (data + '\xff'.repeat(Math.max(0, size - data.length))).slice(0, size);
        return true;
      }
      const cur = files[name];
      if (cur === undefined || offset + data.length > cur.length) throw new Error('Storage write past the end of the file');
      // flash only clears bits: writing over written bytes ANDs them
      let out = cur.slice(0, offset);
      for (let i = 0; i < data.length; i++) out += String.fromCharCode(cur.charCodeAt(offset + i) & data.charCodeAt(i));
      files[name] = out + cur.slice(offset + data.length);
      return true;
    },
    erase(name) {
      ops.push(`erase ${name}`);
      delete files[name.slice(0, 28)];
    },
    list: () => Object.keys(files),
  };
  return st;
}

/** Espruino's Wifi module, scripted by the test: `connectResult` decides each join. */
export function emuWifi() {
  const handlers: Record<string, ((d: any) => void)[]> = {};
  const w = {
    connects: [] as string[],
    connectResult: null as null | string,
    ip: '192.0.2.10',
    pendingConnect: null as null | ((err: any) => void),
    connect(ssid: string, opts: { password?: string }, cb: (err: any) => void) {
      w.connects.push(`${ssid}/${opts.password || ''}`);
      cb(w.connectResult);
    },
    disconnect() {},
    getIP(cb: (err: any, ip: { ip: string }) => void) {
      cb(null, { ip: w.ip });
    },
    on(ev: string, h: (d: any) => void) {
      (handlers[ev] = handlers[ev] || []).push(h);
    },
    emit(ev: string, d?: any) {
      (handlers[ev] || []).forEach((h) => h(d));
    },
  };
  return w;
}

/**
 * Espruino's Storage module over a simulated device's byte storage (sim/node-ports.ts), as
 * the firmware update and the boot choice use it: binary strings, offset writes into a file
 * created at its full size (erased flash, 0xFF), getFree() from `free` bytes in all. `flashed`:
 * files as `npm run flash` leaves them (the verifier), read-only, kept out of the device's storage.
 */
export function storageModule(st: { read(n: string): Uint8Array | null; write(n: string, d: Uint8Array): void; erase(n: string): void; list(p: string): string[] }, free: number, flashed: Record<string, () => string | undefined> = {}) {
  const used = () => st.list('').reduce((a, n) => a + (st.read(n)?.length || 0), 0);
  return {
    read: (name: string) => {
      const b = st.read(name.slice(0, 28));
      return b ? Buffer.from(b).toString('latin1') : flashed[name] ? flashed[name]() : undefined;
    },
    write(name: string, data: string, offset?: number, size?: number): boolean {
      name = name.slice(0, 28);
      const d = Buffer.from(String(data), 'latin1');
      if (offset === undefined || offset === 0) {
        const n = size === undefined ? d.length : size;
        if (n === 0) throw new Error("Can't create zero length file");
        if (n > free - used() + (st.read(name)?.length || 0)) return false;
        const b = Buffer.alloc(n, 0xff);
        d.copy(b, 0, 0, Math.min(d.length, n));
        st.write(name, b);
        return true;
      }
      const cur = st.read(name);
      if (!cur || offset + d.length > cur.length) throw new Error('Storage write past the end of the file');
      // flash only clears bits: writing over written bytes ANDs them
      for (let i = 0; i < d.length; i++) cur[offset + i] &= d[i];
      st.write(name, cur);
      return true;
    },
    erase: (name: string) => st.erase(name.slice(0, 28)),
    list: () => st.list(''),
    getFree: () => free - used(),
  };
}
