import { handshakeSteps, stepsScript } from './board.ts';
import { storeFiles, espruinoBin } from '/work/main/tools/espruino/bin.mjs';
import { writeFileSync, mkdirSync } from 'node:fs';
const h = handshakeSteps();
console.log(h.turns, h.resumed, h.list.length);
const dir = '/tmp/hsdebug'; mkdirSync(dir, { recursive: true });
storeFiles(espruinoBin(), dir, { 'b.js': h.bundle });
writeFileSync(dir + '/run.js', stepsScript(h.prelude, h.list) + "\n");
