// The CoAP engine's public surface (see docs/coap.md).
export * from './constants';
export * from './message';
export * from './block';
export * from './endpoint';
