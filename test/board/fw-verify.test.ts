// The firmware package's verifiers (firmware/verify.ts, verify-ed25519.ts: dist/fw-verify.js and
// dist/fw-verify-ed25519.js) as the device runs them (firmware/lwm2m/fota.ts check()): evaluated
// from the flash-backed Storage file in Espruino's ESP32-like Linux build (the board's stand-in),
// stepped one slice per turn of the event loop; a valid signature gives 1, a changed message 2.
// Prints the variables the verifier holds once loaded and at its peak, and the steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync, sign, createPublicKey } from 'node:crypto';
import { storeFiles } from '../../tools/espruino/bin.mjs';
import { ESPRUINO_BIN, espruinoSkip, espruinoDir, startEspruino } from './espruino-proc';

const skip = espruinoSkip();
const DIST = join(import.meta.dirname, '../../dist');

for (const alg of ['p256', 'ed25519'] as const) {
  const file = alg === 'p256' ? 'fw-verify.js' : 'fw-verify-ed25519.js';
  test(`${file} evaluated from Storage on the stand-in: a ${alg === 'p256' ? 'P-256' : 'Ed25519'} signature accepted (1), the signed bytes changed refused (2), in slices`, { skip: skip || (!existsSync(join(DIST, file)) ? `skipped: dist/${file} not built` : false) }, async () => {
    const dir = espruinoDir();
    try {
      const k = alg === 'p256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
      const spki = createPublicKey(k.privateKey).export({ type: 'spki', format: 'der' });
      const pub = spki.subarray(alg === 'p256' ? 26 : 12).toString('hex');
      const msg = Buffer.from('LWFW\x01\x02{"v":"9.0.1","t":"psk","n":102400,"h":"' + 'ab'.repeat(32) + '"}', 'latin1');
      const sig = (alg === 'p256' ? sign('sha256', msg, k.privateKey) : sign(null, msg, k.privateKey)).toString('hex');
      const bad = Buffer.from(msg);
      bad[bad.length - 3] ^= 1;
      storeFiles(ESPRUINO_BIN, dir, { 'lwm2m.ver': join(DIST, file) });
      // as fota.ts calls them: P-256 over the SHA-256 of the signed bytes, Ed25519 over the bytes with native SHA-512
      const args = (m: Buffer) => alg === 'p256'
        ? `hx('${pub}'),new Uint8Array(c.SHA256(hx('${m.toString('hex')}'))),hx('${sig}')`
        : `hx('${pub}'),hx('${m.toString('hex')}'),hx('${sig}'),function(m){return new Uint8Array(c.SHA512(m));}`;
      writeFileSync(join(dir, 'run.js'), [
        `var hx=function(s){var u=new Uint8Array(s.length/2);for(var i=0;i<u.length;i++)u[i]=parseInt(s.substr(2*i,2),16);return u;};`,
        `var c=require('crypto'),m0=process.memory().usage,v=eval(require('Storage').read('lwm2m.ver')),m1=process.memory().usage,peak=0,out=[];`,
        `function one(st,then){var n=0;function tick(){var r=st();n++;var u=process.memory().usage;if(u>peak)peak=u;if(r){out.push(r+'/'+n);then();}else setTimeout(tick,0);}setTimeout(tick,0);}`,
        `one(v.verify(${args(msg)}),function(){one(v.verify(${args(bad)}),function(){print('VERIFY '+out.join(' ')+' loaded '+(m1-m0)+' peak '+(peak-m0));});});`,
      ].join('\n'));
      const run = startEspruino(dir, ['run.js'], ESPRUINO_BIN!, 600);
      try {
        const m = await run.waitFor(/VERIFY (\d)\/(\d+) (\d)\/(\d+) loaded (\d+) peak (\d+)/, 600000);
        assert.deepEqual([m[1], m[3]], ['1', '2'], run.out().slice(-2000));
        console.log(`# ${file} on the stand-in: ${m[2]} steps; ${m[5]} variables once evaluated, ${m[6]} at the peak of a check`);
        // evaluated, a verifier holds its own code only (P-256 ~450; Ed25519 ~240 since tweetnacl
        // is cut to the field arithmetic, tools/nacl-subset.mjs: all of it held 1,909)
        assert.ok(Number(m[5]) < 600, `${file} holds ${m[5]} variables once evaluated`);
        // issue 18: the check runs beside the device's work; the P-256 verifier held 1,958 at its peak
        // (tables of G and Q, Float64Array field elements) before 32f2e5b, 815 after ab2760e
        if (alg === 'p256') assert.ok(+m[6] <= 1000, `P-256 verifier peak ${m[6]} variables > 1000`);
      } finally {
        run.kill();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
