// P-256 as the RPK suite uses it (transport/dtls/rpk-p256.ts): the key pair, ECDH, signing
// and verification as jobs, under short names (below 5 characters, which no build shortens).
// The host hands this module itself to enableP256(). The RPK bundle does not carry it at
// top level: tools/build.mjs builds it as an IIFE of its own and embeds it in one function
// of the bundle (`$p256lib()`, firmware/rpk-curves.ts), whose body stays in flash; each call
// builds the functions and tables anew and they go when its result and the jobs it made go.
// So the board holds none of P-256 (~590 variables at load) once a handshake and the next
// key pair's precomputation are done. Only these functions and the jobs' `run`/`r` cross.
export { p256PublicKeyJob as pub, p256EcdhJob as ecdh, p256SignJob as sign, p256VerifyTableJob as ver, p256PrivateKey as priv, p256ValidScalar as ok, spkiP256 as spki } from './p256';
