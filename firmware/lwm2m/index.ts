// The LwM2M client as the bundle exports it (`LwM2M.lwm2m`). Not dispatch.ts's numericPath: offered
// here it would be a function of its own on the board (its one caller cannot take it in: rule 1).
export { Client, stateName, INIT, BOOTSTRAPPING, REGISTERING, REGISTERED, DEREGISTERING, BACKOFF, STOPPED } from './client';
export type { ClientPorts, FactoryConfig, ClientOptions } from './client';
export { parseUri } from './uri';
export { accountStore, SLOT_A, SLOT_B } from './persistence';
export { fotaPort } from './fota';
export { send } from './send';
