// A UDP port free right now, for a process that binds it next and takes no port 0 (Espruino's
// dgram, a peer's CLI): a fixed one collides with concurrent runs.
import dgram from 'node:dgram';

export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(r));
  return port;
}
