// The device bundle's entry: dist/firmware.js defines one global, `LwM2M`,
// holding what the board's boot code and the simulator call.
import { fromHex, toHex, utf8Decode, utf8Encode } from '../transport/bytes';
import * as espruino from './espruino/index';

export var VERSION = '0.1.0';
export { fromHex, toHex, utf8Decode, utf8Encode, espruino };
