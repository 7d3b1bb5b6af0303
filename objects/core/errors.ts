// The data model's results: 0 (OK, a check passed) or a CoAP response code as one byte,
// class*32 + detail. The numbers live in transport/coap/constants.ts (CODE); these are the
// names the object layer uses for them.
import { CODE } from '../../transport/coap/constants';

export var OK = 0;
export var CREATED = CODE.CREATED;
export var DELETED = CODE.DELETED;
export var CHANGED = CODE.CHANGED;
export var CONTENT = CODE.CONTENT;
export var BAD_REQUEST = CODE.BAD_REQUEST;
export var UNAUTHORIZED = CODE.UNAUTHORIZED;
export var FORBIDDEN = CODE.FORBIDDEN;
export var NOT_FOUND = CODE.NOT_FOUND;
export var NOT_ALLOWED = CODE.METHOD_NOT_ALLOWED;
export var NOT_ACCEPTABLE = CODE.NOT_ACCEPTABLE;
export var UNSUPPORTED_FORMAT = CODE.UNSUPPORTED_CONTENT_FORMAT;
export var INTERNAL = CODE.INTERNAL_SERVER_ERROR;
// Block1 uploads streamed into an object (RFC 7959 §2.9): 2.31, 4.08, 4.13.
export var CONTINUE = CODE.CONTINUE;
export var INCOMPLETE = CODE.REQUEST_ENTITY_INCOMPLETE;
export var TOO_LARGE = CODE.REQUEST_ENTITY_TOO_LARGE;
