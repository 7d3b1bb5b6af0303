// Published test vectors. Each entry names its source.
const rep = (b: number, n: number) => Buffer.alloc(n, b).toString('hex');
const ascii = (s: string) => Buffer.from(s, 'latin1').toString('hex');

/** FIPS 180-4 examples (NIST CSRC "SHA256.pdf", SHA-256 one block, two block, long message). */
export const SHA256: { name: string; msg: string; md: string }[] = [
  { name: 'empty message', msg: '', md: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
  { name: 'one block: "abc"', msg: ascii('abc'), md: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
  {
    name: 'two blocks: 448-bit message (padding spills into a second block)',
    msg: ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
    md: '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  },
  { name: 'one million "a"', msg: rep(0x61, 1000000), md: 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0' },
];

/** RFC 4231 §4 HMAC-SHA-256 test cases (5 is truncated output, omitted). */
export const HMAC: { name: string; key: string; data: string; mac: string }[] = [
  { name: 'RFC 4231 case 1 (20-byte key)', key: rep(0x0b, 20), data: ascii('Hi There'), mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7' },
  { name: 'RFC 4231 case 2 (key shorter than output)', key: ascii('Jefe'), data: ascii('what do ya want for nothing?'), mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' },
  { name: 'RFC 4231 case 3 (50 bytes of 0xdd)', key: rep(0xaa, 20), data: rep(0xdd, 50), mac: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe' },
  { name: 'RFC 4231 case 4 (25-byte key)', key: '0102030405060708090a0b0c0d0e0f10111213141516171819', data: rep(0xcd, 50), mac: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b' },
  { name: 'RFC 4231 case 6 (131-byte key, hashed first)', key: rep(0xaa, 131), data: ascii('Test Using Larger Than Block-Size Key - Hash Key First'), mac: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54' },
  {
    name: 'RFC 4231 case 7 (131-byte key, data longer than a block)',
    key: rep(0xaa, 131),
    data: ascii('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.'),
    mac: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  },
];

/** FIPS-197 Appendix C.1 (AES-128) and Appendix B (the cipher example). */
export const AES128: { name: string; key: string; pt: string; ct: string }[] = [
  { name: 'FIPS-197 C.1', key: '000102030405060708090a0b0c0d0e0f', pt: '00112233445566778899aabbccddeeff', ct: '69c4e0d86a7b0430d8cdb78070b4c55a' },
  { name: 'FIPS-197 Appendix B', key: '2b7e151628aed2a6abf7158809cf4f3c', pt: '3243f6a8885a308d313198a2e0370734', ct: '3925841d02dc09fbdc118597196a0b32' },
];

/** AES-CCM: NIST SP 800-38C Appendix C, and RFC 3610 §8 packet vectors with M = 8. */
export const CCM: { name: string; key: string; nonce: string; aad: string; pt: string; m: number; out: string }[] = [
  {
    name: 'SP 800-38C C.1 (7-byte nonce, 4-byte tag)',
    key: '404142434445464748494a4b4c4d4e4f', nonce: '10111213141516', aad: '0001020304050607', pt: '20212223', m: 4,
    out: '7162015b4dac255d',
  },
  {
    name: 'SP 800-38C C.2 (8-byte nonce, 6-byte tag)',
    key: '404142434445464748494a4b4c4d4e4f', nonce: '1011121314151617', aad: '000102030405060708090a0b0c0d0e0f', pt: '202122232425262728292a2b2c2d2e2f', m: 6,
    out: 'd2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd',
  },
  {
    name: 'SP 800-38C C.3 (12-byte nonce = DTLS CCM-8 shape, 8-byte tag)',
    key: '404142434445464748494a4b4c4d4e4f', nonce: '101112131415161718191a1b', aad: '000102030405060708090a0b0c0d0e0f10111213',
    pt: '202122232425262728292a2b2c2d2e2f3031323334353637', m: 8,
    out: 'e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5484392fbc1b09951',
  },
  {
    name: 'RFC 3610 packet vector #1 (13-byte nonce, M = 8)',
    key: 'c0c1c2c3c4c5c6c7c8c9cacbcccdcecf', nonce: '00000003020100a0a1a2a3a4a5', aad: '0001020304050607',
    pt: '08090a0b0c0d0e0f101112131415161718191a1b1c1d1e', m: 8,
    out: '588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0',
  },
  {
    name: 'RFC 3610 packet vector #2 (payload of exactly 24 bytes)',
    key: 'c0c1c2c3c4c5c6c7c8c9cacbcccdcecf', nonce: '00000004030201a0a1a2a3a4a5', aad: '0001020304050607',
    pt: '08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', m: 8,
    out: '72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3ba091d56e10400916',
  },
];

/**
 * TLS 1.2 PRF with SHA-256: the test vector posted to the IETF TLS WG list
 * (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html), 100 bytes.
 */
export const PRF = {
  secret: '9bbe436ba940f017b17652849a71db35',
  label: 'test label',
  seed: 'a0ba9f936cda311827a6f796ffd5198c',
  out:
    'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
};
