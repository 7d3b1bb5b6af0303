// A Leshan LwM2M Bootstrap Server for the interop tests, on loopback.
//
// Maven Central has no Leshan bootstrap-server demo of the version whose server demo it serves
// (org.eclipse.leshan:leshan-server-demo:2.0.0-M4), so this launcher builds one from Leshan's
// published library (leshan-server-cf, same version): Leshan's LeshanBootstrapServer does the whole
// protocol (Bootstrap-Request, Bootstrap-Delete/Write/Finish, DTLS PSK and RPK); this file only configures
// it from a JSON file and prints what the session does, one JSON line per event, on stdout.
//
//   java -jar leshan-bs.jar --host 127.0.0.1 --coap-port 0 --coaps-port 0 --config bs.json [--cid on|off|N]
//        [--rpk-pub spki.der --rpk-priv pkcs8.der]   the server's own raw public key pair (EC, e.g. P-256)
//        [--board-timers] [--dtls-retransmission-timeout MS] [--dtls-max-retransmissions N]
//
// Californium gives up a handshake when its flight's retransmissions run out (default: 4 after 1 s,
// doubling: 31 s). A board answers Californium's RPK flight only after its public-key work, ~4 min
// (2-8) of a 240 MHz ESP32's time (docs/leshan.md "Timers for a board"), so --board-timers sets 25
// retransmissions: 1+2+4+8+16+32 s then 20 x 60 s (the timer's cap) = ~21 min, as our own server's
// 20 min. --dtls-retransmission-timeout sets the first timer (default 1000 ms; a test scales it down).
//
// The config file is read again on every look-up, so a test may rewrite it while the server runs:
//   { "bootstrap": { "<endpoint>": <the body of the Leshan bsserver demo's POST /api/bootstrap/<endpoint>> },
//     "security":  [ <the body of the Leshan demo's PUT /api/security/clients/> ] }
// Byte fields (publicKeyOrId, secretKey, serverPublicKey) are arrays of unsigned bytes, as the demo takes
// them, or hex strings. Security entries are {"endpoint","tls":{"mode":"psk","details":{"identity","key"}}}
// or {"endpoint","tls":{"mode":"rpk","details":{"key":"<hex of the client's SubjectPublicKeyInfo DER>"}}}.
// The first stdout line is {"ev":"ready","coap":<port>,"coaps":<port>}.
package lwm2m.interop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

import org.eclipse.californium.scandium.DtlsHealth;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.SingleNodeConnectionIdGenerator;
import org.eclipse.leshan.core.SecurityMode;
import org.eclipse.leshan.core.request.BindingMode;
import org.eclipse.leshan.core.request.BootstrapDownlinkRequest;
import org.eclipse.leshan.core.request.BootstrapRequest;
import org.eclipse.leshan.core.request.BootstrapWriteRequest;
import org.eclipse.leshan.core.request.ContentFormat;
import org.eclipse.leshan.core.request.Identity;
import org.eclipse.leshan.core.response.LwM2mResponse;
import org.eclipse.leshan.server.bootstrap.BootstrapConfig;
import org.eclipse.leshan.server.bootstrap.BootstrapConfigStore;
import org.eclipse.leshan.server.bootstrap.BootstrapFailureCause;
import org.eclipse.leshan.server.bootstrap.BootstrapSession;
import org.eclipse.leshan.server.bootstrap.BootstrapSessionAdapter;
import org.eclipse.leshan.server.californium.bootstrap.LeshanBootstrapServer;
import org.eclipse.leshan.server.californium.bootstrap.LeshanBootstrapServerBuilder;
import org.eclipse.leshan.server.security.BootstrapSecurityStore;
import org.eclipse.leshan.server.security.SecurityInfo;

import com.eclipsesource.json.Json;
import com.eclipsesource.json.JsonArray;
import com.eclipsesource.json.JsonObject;
import com.eclipsesource.json.JsonValue;

public class LeshanBs {

    private static String configFile;

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int coapPort = 5783, coapsPort = 5784;
        Integer cid = 6; // Leshan's demos default to "-cid on" (6-byte connection IDs)
        String rpkPub = null, rpkPriv = null;
        Integer retransmissionTimeout = null, maxRetransmissions = null;
        for (int i = 0; i < args.length; i += 2) {
            if ("--board-timers".equals(args[i])) { // a flag: no value
                maxRetransmissions = BOARD_MAX_RETRANSMISSIONS;
                i--;
                continue;
            }
            if (i + 1 == args.length) throw new IllegalArgumentException("option " + args[i] + " needs a value");
            String v = args[i + 1];
            switch (args[i]) {
            case "--host": host = v; break;
            case "--coap-port": coapPort = Integer.parseInt(v); break;
            case "--coaps-port": coapsPort = Integer.parseInt(v); break;
            case "--config": configFile = v; break;
            case "--rpk-pub": rpkPub = v; break;
            case "--rpk-priv": rpkPriv = v; break;
            case "--dtls-retransmission-timeout": retransmissionTimeout = positive(args[i], v); break;
            case "--dtls-max-retransmissions": maxRetransmissions = positive(args[i], v); break;
            case "--cid": cid = "off".equals(v) ? null : "on".equals(v) ? 6 : Integer.valueOf(v); break;
            default: throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (configFile == null) throw new IllegalArgumentException("--config FILE is required");

        LeshanBootstrapServerBuilder builder = new LeshanBootstrapServerBuilder();
        builder.setLocalAddress(host, coapPort);
        builder.setLocalSecureAddress(host, coapsPort);
        builder.setConfigStore(new FileConfigStore());
        builder.setSecurityStore(new FileSecurityStore());
        if ((rpkPub == null) != (rpkPriv == null)) throw new IllegalArgumentException("--rpk-pub and --rpk-priv go together");
        if (rpkPub != null) {
            // As Leshan's demos' -pubk/-prik: DER SubjectPublicKeyInfo and PKCS#8 files, EC keys
            builder.setPublicKey(publicKey(Files.readAllBytes(Paths.get(rpkPub))));
            builder.setPrivateKey(KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(Paths.get(rpkPriv)))));
        }
        DtlsConnectorConfig.Builder dtls = new DtlsConnectorConfig.Builder();
        dtls.setRecommendedCipherSuitesOnly(true);
        if (cid != null) dtls.setConnectionIdGenerator(new SingleNodeConnectionIdGenerator(cid));
        if (retransmissionTimeout != null) dtls.setRetransmissionTimeout(retransmissionTimeout);
        if (maxRetransmissions != null) dtls.setMaxRetransmissions(maxRetransmissions);
        dtls.setHealthHandler(new HandshakePrinter());
        builder.setDtlsConfig(dtls);
        final LeshanBootstrapServer server = builder.build();
        server.addListener(new Printer());
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::destroy));
        emit(Json.object().add("ev", "ready").add("coap", server.getUnsecuredAddress().getPort())
                .add("coaps", server.getSecuredAddress().getPort()));
    }

    /** The board's setting (docs/leshan.md "Timers for a board"): 25 retransmissions, ~21 min after a 1 s first timer. */
    static final int BOARD_MAX_RETRANSMISSIONS = 25;

    static int positive(String name, String v) {
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            n = 0;
        }
        if (n <= 0) throw new IllegalArgumentException(name + " takes a positive integer, not " + v);
        return n;
    }

    /** Each DTLS handshake's end, {"ev":"handshake","ok":true|false}: a flight whose retransmissions ran out is ok:false. */
    static class HandshakePrinter implements DtlsHealth {
        @Override public boolean isEnabled() { return true; }
        @Override public void dump(String tag, int maxConnections, int remainingCapacity, int pendingWithoutVerify) {}
        @Override public void startHandshake() {}
        @Override public void endHandshake(boolean success) { emit(Json.object().add("ev", "handshake").add("ep", "").add("ok", success)); }
        @Override public void receivingRecord(boolean dropped) {}
        @Override public void sendingRecord(boolean dropped) {}
    }

    static synchronized void emit(JsonObject o) {
        o.add("t", System.currentTimeMillis());
        System.out.println(o.toString());
        System.out.flush();
    }

    static JsonObject readConfig() {
        try {
            return Json.parse(new String(Files.readAllBytes(Paths.get(configFile)), StandardCharsets.UTF_8)).asObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + configFile, e);
        }
    }

    static byte[] bytes(JsonValue v) {
        if (v == null || v.isNull()) return new byte[0];
        if (v.isString()) return hex(v.asString());
        JsonArray a = v.asArray();
        byte[] out = new byte[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = (byte) a.get(i).asInt();
        return out;
    }

    static byte[] hex(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        return out;
    }

    /** A raw public key from its SubjectPublicKeyInfo DER: EC, the only key type Leshan takes for RPK. */
    static PublicKey publicKey(byte[] spki) {
        try {
            return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an EC SubjectPublicKeyInfo: " + e.getMessage(), e);
        }
    }

    static Integer optInt(JsonObject o, String name, Integer dflt) {
        JsonValue v = o.get(name);
        return v == null || v.isNull() ? dflt : Integer.valueOf(v.asInt());
    }

    /** Leshan's BootstrapConfig from the JSON shape of the Leshan demo's bootstrap REST API. */
    static BootstrapConfig toBootstrapConfig(JsonObject j) {
        BootstrapConfig c = new BootstrapConfig();
        c.autoIdForSecurityObject = j.getBoolean("autoIdForSecurityObject", false);
        Integer cf = optInt(j, "contentFormat", null);
        if (cf != null) c.contentFormat = ContentFormat.fromCode(cf);
        JsonValue del = j.get("toDelete");
        if (del != null) for (JsonValue p : del.asArray()) c.toDelete.add(p.asString());
        JsonValue servers = j.get("servers");
        if (servers != null) for (JsonObject.Member m : servers.asObject()) {
            JsonObject s = m.getValue().asObject();
            BootstrapConfig.ServerConfig sc = new BootstrapConfig.ServerConfig();
            sc.shortId = s.getInt("shortId", 0);
            sc.lifetime = s.getInt("lifetime", 86400);
            sc.defaultMinPeriod = optInt(s, "defaultMinPeriod", 1);
            sc.defaultMaxPeriod = optInt(s, "defaultMaxPeriod", null);
            sc.disableTimeout = optInt(s, "disableTimeout", null);
            sc.notifIfDisabled = s.getBoolean("notifIfDisabled", true);
            sc.binding = BindingMode.parse(s.getString("binding", "U"));
            c.servers.put(Integer.valueOf(m.getName()), sc);
        }
        JsonValue security = j.get("security");
        if (security != null) for (JsonObject.Member m : security.asObject()) {
            JsonObject s = m.getValue().asObject();
            BootstrapConfig.ServerSecurity ss = new BootstrapConfig.ServerSecurity();
            ss.uri = s.getString("uri", null);
            ss.bootstrapServer = s.getBoolean("bootstrapServer", false);
            ss.securityMode = SecurityMode.valueOf(s.getString("securityMode", "NO_SEC"));
            ss.publicKeyOrId = bytes(s.get("publicKeyOrId"));
            ss.secretKey = bytes(s.get("secretKey"));
            ss.serverPublicKey = bytes(s.get("serverPublicKey"));
            ss.serverId = optInt(s, "serverId", null);
            ss.clientOldOffTime = optInt(s, "clientOldOffTime", 1);
            ss.bootstrapServerAccountTimeout = optInt(s, "bootstrapServerAccountTimeout", 0);
            c.security.put(Integer.valueOf(m.getName()), ss);
        }
        return c;
    }

    static class FileConfigStore implements BootstrapConfigStore {
        @Override
        public BootstrapConfig get(String endpoint, Identity deviceIdentity, BootstrapSession session) {
            JsonValue all = readConfig().get("bootstrap");
            JsonValue one = all == null ? null : all.asObject().get(endpoint);
            return one == null ? null : toBootstrapConfig(one.asObject());
        }
    }

    /** The clients' bootstrap credentials (PSK or RPK): entries shaped as the demo's PUT /api/security/clients/. */
    static class FileSecurityStore implements BootstrapSecurityStore {
        private static List<SecurityInfo> all() {
            List<SecurityInfo> out = new ArrayList<>();
            JsonValue sec = readConfig().get("security");
            if (sec == null) return out;
            for (JsonValue v : sec.asArray()) {
                JsonObject o = v.asObject();
                JsonObject tls = o.get("tls").asObject();
                String mode = tls.getString("mode", "");
                JsonObject d = tls.get("details").asObject();
                if ("psk".equals(mode)) out.add(SecurityInfo.newPreSharedKeyInfo(o.getString("endpoint", null),
                        d.getString("identity", null), hex(d.getString("key", ""))));
                else if ("rpk".equals(mode)) out.add(SecurityInfo.newRawPublicKeyInfo(o.getString("endpoint", null),
                        publicKey(hex(d.getString("key", "")))));
                else throw new IllegalArgumentException("security mode " + mode + ": only psk and rpk entries");
            }
            return out;
        }

        @Override
        public Iterator<SecurityInfo> getAllByEndpoint(String endpoint) {
            List<SecurityInfo> out = new ArrayList<>();
            for (SecurityInfo i : all()) if (i.getEndpoint().equals(endpoint)) out.add(i);
            // null = no credentials known: Leshan then admits only an unsecured client (SecurityChecker)
            return out.isEmpty() ? null : out.iterator();
        }

        @Override
        public SecurityInfo getByIdentity(String identity) {
            for (SecurityInfo i : all()) if (i.usePSK() && identity.equals(i.getIdentity())) return i;
            return null;
        }
    }

    /** Each step of a bootstrap session, for the tests to assert on. */
    static class Printer extends BootstrapSessionAdapter {
        private static JsonObject ev(String name, String endpoint) {
            return Json.object().add("ev", name).add("ep", endpoint == null ? "" : endpoint);
        }

        private static String describe(BootstrapDownlinkRequest<? extends LwM2mResponse> r) {
            String kind = r.getClass().getSimpleName().replace("Bootstrap", "").replace("Request", "").toUpperCase();
            String s = kind + (r.getPath() == null ? "" : " " + r.getPath());
            if (r instanceof BootstrapWriteRequest) s += " ct=" + ((BootstrapWriteRequest) r).getContentFormat().getCode();
            return s;
        }

        @Override
        public void sessionInitiated(BootstrapRequest request, Identity identity) {
            emit(ev("request", request.getEndpointName()).add("secure", identity.isSecure()).add("rpk", identity.isRPK())
                    .add("pct", request.getPreferredContentFormat() == null ? -1 : request.getPreferredContentFormat().getCode()));
        }

        @Override
        public void unAuthorized(BootstrapRequest request, Identity identity) {
            emit(ev("unauthorized", request.getEndpointName()));
        }

        @Override
        public void authorized(BootstrapSession session) {
            emit(ev("authorized", session.getEndpoint()));
        }

        @Override
        public void noConfig(BootstrapSession session) {
            emit(ev("noconfig", session.getEndpoint()));
        }

        @Override
        public void sendRequest(BootstrapSession session, BootstrapDownlinkRequest<? extends LwM2mResponse> request) {
            emit(ev("send", session.getEndpoint()).add("req", describe(request)));
        }

        @Override
        public void onResponseSuccess(BootstrapSession session, BootstrapDownlinkRequest<? extends LwM2mResponse> request,
                LwM2mResponse response) {
            emit(ev("success", session.getEndpoint()).add("req", describe(request)).add("code", response.getCode().getName()));
        }

        @Override
        public void onResponseError(BootstrapSession session, BootstrapDownlinkRequest<? extends LwM2mResponse> request,
                LwM2mResponse response) {
            emit(ev("error", session.getEndpoint()).add("req", describe(request)).add("code", response.getCode().getName())
                    .add("message", String.valueOf(response.getErrorMessage())));
        }

        @Override
        public void onRequestFailure(BootstrapSession session, BootstrapDownlinkRequest<? extends LwM2mResponse> request,
                Throwable cause) {
            emit(ev("failure", session.getEndpoint()).add("req", describe(request)).add("cause", String.valueOf(cause)));
        }

        @Override
        public void end(BootstrapSession session) {
            emit(ev("end", session.getEndpoint()));
        }

        @Override
        public void failed(BootstrapSession session, BootstrapFailureCause cause) {
            emit(ev("failed", session.getEndpoint()).add("cause", String.valueOf(cause)));
        }
    }
}
