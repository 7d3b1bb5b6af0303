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
  BAD_RECORD_MAC = 20,
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
  /**
   * Handshake messages being reassembled hold at most this many body bytes together (plus a
   * bit per byte): the largest message a PSK or RPK client expects is ~260 bytes (a
   * HelloVerifyRequest with a 255-byte cookie), an RPK flight ~400.
   */
  REASSEMBLY = 4096,
  /** Length of the Connection IDs our server gives (the device gives none: it offers an empty one). */
  SERVER_CID = 6,
  /** Session.state once the peer's Finished verified. */
  ESTABLISHED = 100,
  /** Default largest datagram we send: inside IPv6's 1280-byte minimum MTU minus IP/UDP headers. */
  MTU = 1152,
  /** Defaults, ms: the cap of the retransmission timer (RFC 6347 §4.2.4.1: 60 s), the deadline of a handshake, the period of the cookie secret of the server. */
  RTO_MAX = 60000,
  HANDSHAKE_TIMEOUT = 60000,
  COOKIE_ROTATION = 60000,
}

/** ExtensionType (IANA TLS ExtensionType Values) of the extensions either role reads or writes. */
export const enum EXT {
  /** supported_groups (RFC 8422 §5.1.1) */
  SUPPORTED_GROUPS = 10,
  /** ec_point_formats (RFC 8422 §5.1.2) */
  EC_POINT_FORMATS = 11,
  /** signature_algorithms (RFC 5246 §7.4.1.4.1) */
  SIGNATURE_ALGORITHMS = 13,
  /** client_certificate_type, server_certificate_type (RFC 7250 §3) */
  CLIENT_CERT_TYPE = 19,
  SERVER_CERT_TYPE = 20,
  /** connection_id (RFC 9146 §3) */
  CONNECTION_ID = 54,
  /** renegotiation_info (RFC 5746 §3.2) */
  RENEGOTIATION_INFO = 0xff01,
}

/**
 * Handshake.state, both roles and both key types in one numbering (as tinydtls's one
 * dtls_state_t): each value says which message is expected next. Session.state is
 * DTLS.ESTABLISHED once the peer's Finished verified.
 */
export const enum HS {
  /** Client: ClientHello sent; HelloVerifyRequest or ServerHello next (PSK and RPK). */
  HELLO = 1,
  /** PSK client: ServerKeyExchange or ServerHelloDone next */
  GOT_SH = 2,
  /** PSK client: ServerHelloDone next */
  GOT_SKE = 3,
  /** PSK client: our Finished sent; the server's ChangeCipherSpec + Finished next */
  WAIT_FIN = 4,
  /** Client whose session offer the server took (resume.ts): its ChangeCipherSpec and Finished next. */
  RESUMED = 9,
  /** Server: the client's ClientKeyExchange next (PSK) */
  S_WAIT_CKE = 11,
  /** Server: the client's ChangeCipherSpec + Finished next */
  S_WAIT_FIN = 12,
  /** RPK server: the client's Certificate, ClientKeyExchange, CertificateVerify next */
  S_WAIT_CERT = 13,
  S_WAIT_RPK_CKE = 14,
  S_WAIT_CV = 15,
  /** Server, abbreviated handshake (a resumed session): the client's Finished next */
  S_WAIT_RFIN = 16,
  /** RPK client (rpk.ts): ServerHello taken; Certificate next */
  R_GOT_SH = 31,
  R_GOT_CERT = 32,
  R_GOT_SKE = 33,
  R_GOT_CR = 34,
  /** RPK client: our Finished sent; the server's ChangeCipherSpec + Finished next */
  R_WAIT_FIN = 35,
  /** RPK client: the server's flight is here; our public-key work runs (rpkTick). */
  R_WORK = 36,
}
