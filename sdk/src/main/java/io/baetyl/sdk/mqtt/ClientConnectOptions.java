package io.baetyl.sdk.mqtt;

import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.net.ServiceHosts;
import io.baetyl.sdk.tls.TlsFiles;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.Socket;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How {@link HubClient} connects: Paho's options, the TLS context from the config's PEM files, the name check. */
final class ClientConnectOptions {
    private static final Logger log = LoggerFactory.getLogger(ClientConnectOptions.class);

    private ClientConnectOptions() {
    }

    /** Paho's options for {@code cfg}: our own reconnect loop, TLS from the PEM files, sockets reported to {@code created}. */
    static MqttConnectOptions of(MqttClientConfig cfg, String configKey, int maxInflight, Consumer<Socket> created) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(cfg.cleansession);
        o.setKeepAliveInterval(cfg.keepalive.isNegative() ? 0 : (int) Math.min(65535, cfg.keepalive.toSeconds()));
        o.setConnectionTimeout((int) Math.max(1, cfg.timeout.toSeconds()));
        o.setAutomaticReconnect(false); // our own loop: Baetyl's 500ms start and `interval` cap
        o.setMaxInflight(maxInflight);
        if (!cfg.username.isEmpty()) {
            o.setUserName(cfg.username);
        }
        if (!cfg.password.isEmpty()) {
            o.setPassword(cfg.password.toCharArray());
        }
        String scheme = cfg.scheme();
        if ("ssl".equals(scheme) || "wss".equals(scheme)) {
            o.setSocketFactory(NoDelaySockets.tls(sslSocketFactory(cfg, configKey), created));
            o.setHttpsHostnameVerificationEnabled(!cfg.insecure);
        } else {
            o.setSocketFactory(NoDelaySockets.plain(created));
        }
        return o;
    }

    private static javax.net.ssl.SSLSocketFactory sslSocketFactory(MqttClientConfig cfg, String configKey) {
        TlsFiles files = new TlsFiles(configKey, cfg.ca, cfg.cert, cfg.key, cfg.passphrase);
        try {
            SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
            if (cfg.insecure) {
                b.trustManager(InsecureTrustManagerFactory.INSTANCE);
            } else if (files.hasCa()) {
                b.trustManager(files.trustedCas());
            }
            if (files.hasKeyPair()) {
                TlsFiles.KeyPair pair = files.keyPair();
                log.debug("{}: client certificate {}, key format {}", configKey,
                        pair.chain()[0].getSubjectX500Principal().getName(), pair.keyFormat());
                b.keyManager(pair.key(), pair.chain());
            }
            return ((JdkSslContext) b.build()).context().getSocketFactory();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e); // names the key, the host file and what it holds
        } catch (SSLException e) {
            throw new ConfigException(configKey + ": cannot set up TLS (ca=" + cfg.ca + ", cert=" + cfg.cert
                    + ", key=" + cfg.key + "): " + e.getMessage(), e);
        }
    }

    /**
     * In native mode an address naming a service of the app ({@code ssl://localhub:8883}) is dialled at 127.0.0.1; the
     * server certificate must still be issued for the service's name. Remembers why it refused, for the connect error.
     */
    static final class ServiceNameVerifier implements javax.net.ssl.HostnameVerifier {
        private final String serviceHost;
        private final String configKey;
        private volatile String mismatch;

        ServiceNameVerifier(String serviceHost, String configKey) {
            this.serviceHost = serviceHost;
            this.configKey = configKey;
        }

        /** Why the last handshake's certificate was refused, or null. */
        String mismatch() {
            return mismatch;
        }

        @Override
        public boolean verify(String ignoredLoopback, javax.net.ssl.SSLSession session) {
            try {
                java.security.cert.Certificate[] peer = session.getPeerCertificates();
                if (peer.length > 0 && peer[0] instanceof java.security.cert.X509Certificate x509
                        && ServiceHosts.certificateNames(x509, serviceHost)) {
                    mismatch = null;
                    return true;
                }
                mismatch = "TLS handshake failed: the server certificate is not issued for '" + serviceHost
                        + "' (the service named in " + configKey + ".address; set insecure only for tests)";
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                mismatch = "TLS handshake failed: no server certificate";
            }
            return false;
        }
    }
}
