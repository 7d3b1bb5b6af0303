// The device bundle's entry: dist/firmware.js defines one global, `LwM2M`,
// holding what the board's boot code and the simulator call.
import { fromHex, toHex, utf8Decode, utf8Encode } from '../transport/bytes';
import * as coap from '../transport/coap/index';
import * as crypto from '../transport/crypto/index';
import * as dtls from '../transport/dtls/index';
// The LwM2M object model, operations and content formats (objects/, issue #4).
import * as objects from '../objects/index';
// The client state machine (firmware/lwm2m/, issue #6).
import * as lwm2m from './lwm2m/index';
// The board: Espruino ports, Wi-Fi, start-up from Storage (firmware/espruino/, issue #7).
import * as espruino from './espruino/index';

export var VERSION = '0.1.0';
export { fromHex, toHex, utf8Decode, utf8Encode, coap, crypto, dtls, objects, lwm2m, espruino };
