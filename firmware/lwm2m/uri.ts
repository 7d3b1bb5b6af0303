// Server URIs from the Security object (0/x/0): `coap://host:port` or `coaps://host:port`,
// host an IPv4 address or a name: Espruino's network has no IPv6, so an IPv6 literal
// (`[::1]`) is refused. Parsed by hand: Espruino's RegExp mishandles optional groups.

export interface ServerUri {
  secure: boolean;
  host: string;
  port: number;
}

/** Parses a CoAP server URI; null when it is not one (scheme, host or port unusable). */
export function parseUri(uri: string): ServerUri | null {
  var secure;
  var rest;
  if (uri.indexOf('coaps://') === 0) {
    secure = true;
    rest = uri.substring(8);
  } else if (uri.indexOf('coap://') === 0) {
    secure = false;
    rest = uri.substring(7);
  } else return null;
  var slash = rest.indexOf('/');
  if (slash >= 0) rest = rest.substring(0, slash);
  // An IPv6 literal ([…]): Espruino's network layer (the ESP32's included) has none.
  if (rest.charAt(0) === '[') return null;
  var colon = rest.indexOf(':');
  var host = colon < 0 ? rest : rest.substring(0, colon);
  var portStr = colon < 0 ? '' : rest.substring(colon + 1);
  if (!host) return null;
  var port = secure ? 5684 : 5683;
  if (portStr !== '') {
    for (var i = 0; i < portStr.length; i++) {
      var c = portStr.charCodeAt(i);
      if (c < 48 || c > 57) return null;
    }
    port = parseInt(portStr, 10);
    if (port < 1 || port > 65535) return null;
  }
  return { secure: secure, host: host, port: port };
}
