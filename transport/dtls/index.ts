// What the device needs of DTLS: the client role. The server role (server.ts) is for
// the simulator and must not be reachable from firmware/main.ts.
export { createDtlsClient } from './client';
