// CoAP response codes as one byte, class*32 + detail (RFC 7252 §5.9, §12.1.2).
// The lead unifies these with transport/coap/constants.ts at merge: same numbers.
// 0 means "no error" inside the data model (a check passed).
export var OK = 0;
export var CREATED = 65; // 2.01
export var DELETED = 66; // 2.02
export var CHANGED = 68; // 2.04
export var CONTENT = 69; // 2.05
export var BAD_REQUEST = 128; // 4.00
export var UNAUTHORIZED = 129; // 4.01
export var FORBIDDEN = 131; // 4.03
export var NOT_FOUND = 132; // 4.04
export var NOT_ALLOWED = 133; // 4.05
export var NOT_ACCEPTABLE = 134; // 4.06
export var UNSUPPORTED_FORMAT = 143; // 4.15
export var INTERNAL = 160; // 5.00
// Block1 uploads streamed into an object (RFC 7959 §2.9): 2.31, 4.08, 4.13.
export var CONTINUE = 95;
export var INCOMPLETE = 136;
export var TOO_LARGE = 141;
