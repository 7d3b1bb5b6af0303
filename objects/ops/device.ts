// The operations as the device bundle offers them (`LwM2M.objects.ops`, docs/objects.md): the
// two interfaces' entry points, manage() and bootstrap(), Read (Information Reporting reads
// through it too), the composite operations and the registration's object links. Not each
// Device Management operation on its own (./index.ts has them for hosts): a function offered
// here has a second reference in the bundle, so the build cannot write it into manage(), and
// each would cost the board some six variables for good (docs/memory.md, rule 1).
export { manage } from './manage';
export { read } from './read';
export { bootstrap } from './bootstrap';
export { composite } from './composite';
export { objectLinks } from './links';
export type { Req, Res } from './common';
