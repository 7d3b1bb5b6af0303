// DTLS 1.2 wire constants (RFC 6347, RFC 5246, RFC 4279, RFC 6655). One table for both roles.

/** ProtocolVersion {254, 253} = DTLS 1.2 (RFC 6347 §4.1). */
export var DTLS12_MAJOR = 254;
export var DTLS12_MINOR = 253;

/** ContentType (RFC 5246 §6.2.1). */
export var CT_CHANGE_CIPHER_SPEC = 20;
export var CT_ALERT = 21;
export var CT_HANDSHAKE = 22;
export var CT_APPLICATION_DATA = 23;

/** HandshakeType (RFC 5246 §7.4, RFC 6347 §4.3.2). */
export var HT_HELLO_REQUEST = 0;
export var HT_CLIENT_HELLO = 1;
export var HT_SERVER_HELLO = 2;
export var HT_HELLO_VERIFY_REQUEST = 3;
export var HT_SERVER_KEY_EXCHANGE = 12;
export var HT_SERVER_HELLO_DONE = 14;
export var HT_CLIENT_KEY_EXCHANGE = 16;
export var HT_FINISHED = 20;

/** AlertLevel and AlertDescription (RFC 5246 §7.2, RFC 4279 §2). */
export var ALERT_WARNING = 1;
export var ALERT_FATAL = 2;
export var A_CLOSE_NOTIFY = 0;
export var A_UNEXPECTED_MESSAGE = 10;
export var A_HANDSHAKE_FAILURE = 40;
export var A_ILLEGAL_PARAMETER = 47;
export var A_DECODE_ERROR = 50;
export var A_DECRYPT_ERROR = 51;
export var A_PROTOCOL_VERSION = 70;
export var A_INTERNAL_ERROR = 80;
export var A_NO_RENEGOTIATION = 100;
export var A_UNSUPPORTED_EXTENSION = 110;
export var A_UNKNOWN_PSK_IDENTITY = 115;

/** TLS_PSK_WITH_AES_128_CCM_8 (RFC 6655 §3), the one suite (RFC 7925 §4.2, LwM2M 1.1). */
export var TLS_PSK_WITH_AES_128_CCM_8 = 0xc0a8;

/** Record header: type(1) version(2) epoch(2) sequence_number(6) length(2) (RFC 6347 §4.1). */
export var RECORD_HEADER = 13;
/** Handshake header: msg_type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3) (RFC 6347 §4.2.2). */
export var HANDSHAKE_HEADER = 12;
/** DTLSCiphertext.length may not exceed 2^14 + 2048 (RFC 6347 §4.1 → RFC 5246 §6.2.3). */
export var MAX_CIPHERTEXT = 16384 + 2048;
/** CCM-8 expansion: 8-byte explicit nonce + 8-byte tag (RFC 6655 §3). */
export var CCM8_OVERHEAD = 16;
