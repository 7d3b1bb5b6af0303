// AES-128 encryption (FIPS-197) in plain ES5 JavaScript: the reference backend.
// Only the forward cipher: CCM (and so DTLS's AES-CCM suites) never decrypts a block.
// Not in dist/firmware.js (the board has native AES).

var SBOX: number[] = [];

// The S-box is computed, not tabled (FIPS-197 §5.1.1): multiplicative inverse in
// GF(2^8) followed by the affine transform. p walks the group by 3, q by 1/3.
function initSbox(): void {
  var p = 1, q = 1;
  do {
    p = p ^ ((p << 1) & 255) ^ (p & 0x80 ? 0x1b : 0);
    q ^= q << 1;
    q ^= q << 2;
    q ^= q << 4;
    q &= 255;
    if (q & 0x80) q ^= 0x09;
    var x = q ^ ((q << 1) | (q >> 7)) ^ ((q << 2) | (q >> 6)) ^ ((q << 3) | (q >> 5)) ^ ((q << 4) | (q >> 4));
    SBOX[p] = (x ^ 0x63) & 255;
  } while (p !== 1);
  SBOX[0] = 0x63;
}

function xtime(b: number): number {
  return ((b << 1) ^ (b & 0x80 ? 0x1b : 0)) & 255;
}

/** FIPS-197 §5.2 key expansion for a 16-byte key: 176 bytes of round keys. */
export function aesExpandKey(key: Uint8Array): Uint8Array {
  if (!SBOX.length) initSbox();
  var w = new Uint8Array(176);
  w.set(key.subarray(0, 16));
  var rcon = 1;
  for (var i = 16; i < 176; i += 4) {
    var t0 = w[i - 4], t1 = w[i - 3], t2 = w[i - 2], t3 = w[i - 1];
    if (i % 16 === 0) {
      var tmp = t0;
      t0 = SBOX[t1] ^ rcon;
      t1 = SBOX[t2];
      t2 = SBOX[t3];
      t3 = SBOX[tmp];
      rcon = xtime(rcon);
    }
    w[i] = w[i - 16] ^ t0;
    w[i + 1] = w[i - 15] ^ t1;
    w[i + 2] = w[i - 14] ^ t2;
    w[i + 3] = w[i - 13] ^ t3;
  }
  return w;
}

/** Encrypts the 16 bytes at `src[so..]` into `dst[do_..]` with expanded key `w`. */
export function aesEncryptBlock(w: Uint8Array, src: Uint8Array, so: number, dst: Uint8Array, d: number): void {
  var s = new Uint8Array(16);
  var i, r, c;
  for (i = 0; i < 16; i++) s[i] = src[so + i] ^ w[i];
  for (r = 1; r <= 10; r++) {
    // SubBytes + ShiftRows (state is column-major: byte i is row i%4, column i>>2)
    var t = new Uint8Array(16);
    for (i = 0; i < 16; i++) t[i] = SBOX[s[(i + 4 * (i & 3)) & 15]];
    if (r < 10) {
      // MixColumns
      for (c = 0; c < 16; c += 4) {
        var a0 = t[c], a1 = t[c + 1], a2 = t[c + 2], a3 = t[c + 3];
        var all = a0 ^ a1 ^ a2 ^ a3;
        t[c] = a0 ^ all ^ xtime(a0 ^ a1);
        t[c + 1] = a1 ^ all ^ xtime(a1 ^ a2);
        t[c + 2] = a2 ^ all ^ xtime(a2 ^ a3);
        t[c + 3] = a3 ^ all ^ xtime(a3 ^ a0);
      }
    }
    for (i = 0; i < 16; i++) s[i] = t[i] ^ w[r * 16 + i];
  }
  for (i = 0; i < 16; i++) dst[d + i] = s[i];
}
