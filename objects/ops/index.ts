// The operations API (docs/objects.md): one function per LwM2M operation, and the two interfaces'
// entry points by CoAP method (manage, bootstrap). The device bundle offers fewer (./device.ts).
export { manage } from './manage';
export { read } from './read';
export { write } from './write';
export { execute } from './execute';
export { create } from './create';
export { del } from './delete';
export { discover } from './discover';
export { writeAttributes } from './write-attributes';
export { bootstrap } from './bootstrap';
export { composite } from './composite';
export { objectLinks } from './links';
export type { Req, Res } from './common';
