// The CoAP engine's public surface (see docs/coap.md). The endpoint's behaviour files
// (messaging, exchange, requests, observe, blockwise) are internal; what a host uses of them
// is re-exported here.
export * from './constants';
export * from './message';
export * from './block';
export * from './endpoint';
export { observations, cancelObservations } from './observe';
