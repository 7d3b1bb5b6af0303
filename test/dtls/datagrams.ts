// Network filters the DTLS tests share. Beside the tests, not in test/helpers/: the build keeps
// every word of test/helpers/ from being shortened in the bundle (README, "post-passes"), and
// these name device properties (`epoch`, `fragment`).
import type { Datagram } from '../helpers/dtls-net';
import { encodeRecord, parseRecords } from '../../transport/dtls/record';

/** Each record of the datagram alone, the records in reverse order, each sent twice. */
export function eachRecordTwiceReversed(d: Datagram): Datagram[] {
  const rs = parseRecords(d.data).map((r) => encodeRecord(r.type, r.epoch, r.seq, r.fragment));
  const out: Datagram[] = [];
  for (const r of rs.reverse()) out.push({ ...d, data: r }, { ...d, data: r });
  return out;
}
