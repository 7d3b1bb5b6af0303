// The LwM2M client as the bundle exports it (`LwM2M.lwm2m`).
export { Client, stateName, INIT, BOOTSTRAPPING, REGISTERING, REGISTERED, DEREGISTERING, BACKOFF, STOPPED } from './client';
export type { ClientPorts, FactoryConfig, ClientOptions } from './client';
export { parseUri } from './uri';
export { numericPath } from './dispatch';
export { accountStore, SLOT_A, SLOT_B } from './persistence';
export { fotaPort } from './fota';
export { send } from './send';
