package io.baetyl.sdk.mqtt;

import io.baetyl.sdk.net.ServiceHosts;
import org.eclipse.paho.client.mqttv3.MqttException;

/** Connection and publish failures in a user's words: Paho's reason codes and the JDK's TLS errors are not. */
final class ConnectFailures {
    private ConnectFailures() {
    }

    /** What went wrong, in the words a user needs (Paho's reason codes are numbers). */
    static String describe(Throwable e) {
        if (e instanceof MqttException me) {
            return switch (me.getReasonCode()) {
                case MqttException.REASON_CODE_FAILED_AUTHENTICATION -> "bad username or password (CONNACK 4)";
                case MqttException.REASON_CODE_NOT_AUTHORIZED -> "not authorized (CONNACK 5)";
                case MqttException.REASON_CODE_INVALID_CLIENT_ID -> "client id rejected (CONNACK 2)";
                case MqttException.REASON_CODE_INVALID_PROTOCOL_VERSION -> "protocol version rejected (CONNACK 1)";
                case MqttException.REASON_CODE_BROKER_UNAVAILABLE -> "server unavailable (CONNACK 3)";
                default -> {
                    String tls = describeTls(me);
                    if (tls != null) {
                        yield tls;
                    }
                    String text = me.getMessage() + " (Paho reason code " + me.getReasonCode() + ")";
                    yield me.getCause() != null ? text + ": " + me.getCause() : text;
                }
            };
        }
        String tls = describeTls(e);
        return tls != null ? tls : String.valueOf(e);
    }

    /**
     * {@link #describe} for a failed connect of a client with {@code cfg} ({@code mismatch}: why the service-name check refused the certificate, or null). With TLS 1.3 a server that rejects the client certificate
     * checks it after the handshake and closes the connection; depending on timing the client then sees the alert, a
     * broken pipe or a reset while writing CONNECT. On a TLS connection with a client certificate the latter two are
     * reported as the likely certificate problem they are.
     */
    static String forConnect(Throwable e, MqttClientConfig cfg, String configKey, String mismatch) {
        if (mismatch != null) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof javax.net.ssl.SSLPeerUnverifiedException) {
                    return mismatch;
                }
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.UnknownHostException) {
                return "cannot resolve host '" + ServiceHosts.hostOf(cfg.address) + "': unknown to DNS and not a service "
                        + "of this app run by a native-mode master (check " + configKey + ".address)";
            }
        }
        String d = describe(e);
        if (e instanceof MqttException me && me.getReasonCode() == MqttException.REASON_CODE_CLIENT_TIMEOUT) {
            return "no answer to CONNECT within timeout (" + cfg.timeout.toMillis() + "ms): " + d;
        }
        String scheme = cfg.scheme();
        boolean tls = "ssl".equals(scheme) || "wss".equals(scheme);
        if (d.startsWith("TLS ") || !tls || cfg.cert.isEmpty()) {
            return d;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if ((t instanceof java.net.SocketException && !(t instanceof java.net.ConnectException))
                    || t instanceof java.io.EOFException) {
                return "TLS handshake failed: server closed the connection after the handshake, as it does when it "
                        + "rejects the client certificate (check cert and key): " + d;
            }
        }
        return d;
    }

    /** TLS failures in plain words (the JDK's are "PKIX path building failed ..."), or null when not TLS. */
    private static String describeTls(Throwable e) {
        Throwable ssl = null;
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException && ssl == null) {
                ssl = t;
            }
            root = t;
        }
        if (ssl == null) {
            return null;
        }
        String detail = String.valueOf(root.getMessage());
        if (root instanceof java.security.cert.CertPathValidatorException
                || root instanceof java.security.cert.CertPathBuilderException
                || detail.contains("unable to find valid certification path")) {
            return "TLS handshake failed: server certificate not trusted (unknown CA; check the ca file): " + detail;
        }
        if (detail.contains("No subject alternative") || detail.contains("No name matching")) {
            return "TLS handshake failed: server certificate does not match the address's host (set insecure only for tests): "
                    + detail;
        }
        if (detail.contains("bad_certificate") || detail.contains("unknown_ca") || detail.contains("certificate_required")
                || detail.contains("certificate_unknown")) {
            return "TLS handshake failed: server rejected the client certificate (check cert and key): " + detail;
        }
        return "TLS handshake failed: " + ssl.getMessage();
    }
}
