// DTLS 1.2 wire constants (RFC 6347, RFC 5246, RFC 4279, RFC 6655; RFC 7250, RFC 8422 for rpk.ts). One table for both roles.
// `const enum`s: TypeScript writes the numbers in place, so the bundle carries no table.

/** ContentType (RFC 5246 §6.2.1). */
export const enum CT {
  CHANGE_CIPHER_SPEC = 20,
  ALERT = 21,
  HANDSHAKE = 22,
  APPLICATION_DATA = 23,
  /** tls12_cid (RFC 9146 §4): a protected record carrying the receiver's Connection ID. */
  TLS12_CID = 25,
}

/** HandshakeType (RFC 5246 §7.4, RFC 6347 §4.3.2). */
export const enum HT {
  HELLO_REQUEST = 0,
  CLIENT_HELLO = 1,
  SERVER_HELLO = 2,
  HELLO_VERIFY_REQUEST = 3,
  CERTIFICATE = 11,
  SERVER_KEY_EXCHANGE = 12,
  CERTIFICATE_REQUEST = 13,
  SERVER_HELLO_DONE = 14,
  CERTIFICATE_VERIFY = 15,
  CLIENT_KEY_EXCHANGE = 16,
  FINISHED = 20,
}

/** AlertLevel (RFC 5246 §7.2). */
export const enum AlertLevel {
  WARNING = 1,
  FATAL = 2,
}

/** AlertDescription (RFC 5246 §7.2, RFC 4279 §2). */
export const enum A {
  CLOSE_NOTIFY = 0,
  UNEXPECTED_MESSAGE = 10,
  HANDSHAKE_FAILURE = 40,
  BAD_CERTIFICATE = 42,
  UNSUPPORTED_CERTIFICATE = 43,
  ILLEGAL_PARAMETER = 47,
  ACCESS_DENIED = 49,
  DECODE_ERROR = 50,
  DECRYPT_ERROR = 51,
  PROTOCOL_VERSION = 70,
  INTERNAL_ERROR = 80,
  NO_RENEGOTIATION = 100,
  UNSUPPORTED_EXTENSION = 110,
  UNKNOWN_PSK_IDENTITY = 115,
}

export const enum DTLS {
  /** ProtocolVersion {254, 253} = DTLS 1.2 (RFC 6347 §4.1). */
  MAJOR = 254,
  MINOR = 253,
  /** TLS_PSK_WITH_AES_128_CCM_8 (RFC 6655 §3), the one suite (RFC 7925 §4.2, LwM2M 1.1). */
  TLS_PSK_WITH_AES_128_CCM_8 = 0xc0a8,
  /** TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (RFC 7251 §2): the raw-public-key suite (RFC 7925 §4.3), transport/dtls/rpk.ts. */
  TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 = 0xc0ae,
  /** Record header: type(1) version(2) epoch(2) sequence_number(6) length(2) (RFC 6347 §4.1). */
  RECORD_HEADER = 13,
  /** Handshake header: msg_type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3) (RFC 6347 §4.2.2). */
  HANDSHAKE_HEADER = 12,
  /** DTLSCiphertext.length may not exceed 2^14 + 2048 (RFC 6347 §4.1 → RFC 5246 §6.2.3). */
  MAX_CIPHERTEXT = 16384 + 2048,
  /** CCM-8 expansion: 8-byte explicit nonce + 8-byte tag (RFC 6655 §3). */
  CCM8_OVERHEAD = 16,
  /** ExtensionType connection_id (RFC 9146 §3). */
  EXT_CID = 54,
  /** Length of the Connection IDs our server gives (the device gives none: it offers an empty one). */
  SERVER_CID = 6,
  /** Session.state once the peer's Finished verified. */
  ESTABLISHED = 100,
  // Timers (DtlsOptions defaults), sized from the board model (../shared/ESPRUINO.md "Speed: the
  // board's clock", docs/dtls.md "Timers"):
  /** First retransmission of a flight, ms (RFC 6347 §4.2.4.1); doubles up to RETRANSMIT_MAX. */
  RETRANSMIT_INITIAL = 1000,
  /**
   * The device's first retransmission in an RPK handshake, ms (RFC 7925 §11's 9 s): the server signs
   * before its flight, and Leshan under load took over 1 s for it, so 1 s doubled its RPK flights.
   */
  RPK_RETRANSMIT_INITIAL = 9000,
  /** The retransmission timer's cap, ms (RFC 6347 §4.2.4.1: 60 s). */
  RETRANSMIT_MAX = 60000,
  /**
   * The client's handshake deadline, ms: how long it waits for the server's next flight. Its own
   * public-key work does not count (rpk.ts restarts the deadline at each step), and a server answers
   * in milliseconds, so one minute covers loss and retransmissions (a board's PSK handshake costs it 1–2 s).
   */
  HANDSHAKE_TIMEOUT = 60000,
  /**
   * Our server's handshake deadline, ms (server.ts's default handshakeTimeout): after its RPK flight
   * the board computes before it answers (ECDH, a signature and a verification: P-256 ~4 min, 2–8;
   * Ed25519 ~9 min, up to ~18), silent all along. 20 min: the high estimate with room.
   */
  SERVER_HANDSHAKE_TIMEOUT = 1200000,
}
