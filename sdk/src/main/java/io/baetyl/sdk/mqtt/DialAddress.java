package io.baetyl.sdk.mqtt;

import io.baetyl.sdk.net.ServiceHosts;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The address a {@link HubClient} dials: the configured one, or 127.0.0.1 when it names a service of this app that
 * runs on this host in native mode, and then the TLS check of the service's name.
 */
final class DialAddress {
    /** {@link HubClient}'s logger: these lines are the client's, and users filter them by its name. */
    private static final Logger log = LoggerFactory.getLogger(HubClient.class);

    /** What Paho connects to. */
    final String dial;
    /** The service of this app the address names (native mode, reached at 127.0.0.1), or null. */
    private final String serviceHost;
    /** Checks the certificate against the service's name when the socket goes to 127.0.0.1 instead; or null. */
    private final ClientConnectOptions.ServiceNameVerifier serviceName;

    DialAddress(MqttClientConfig cfg, String configKey, ServiceHosts hosts) {
        this.dial = hosts.resolve(cfg.address);
        this.serviceHost = dial.equals(cfg.address) ? null : ServiceHosts.hostOf(cfg.address);
        this.serviceName = serviceHost == null ? null
                : new ClientConnectOptions.ServiceNameVerifier(serviceHost, configKey);
        if (serviceHost != null) {
            log.info("{}.address: {} names the service {} of this app, which runs on this host in native mode: "
                    + "connecting to {}", configKey, cfg.address, serviceHost, dial);
        }
    }

    /** Sets the service-name check on {@code options} when it is needed. */
    void checkServiceName(MqttConnectOptions options, MqttClientConfig cfg) {
        if (serviceHost != null && options.getSocketFactory() instanceof javax.net.ssl.SSLSocketFactory && !cfg.insecure) {
            // The socket goes to 127.0.0.1, the certificate must still be the one of the name the user wrote.
            options.setHttpsHostnameVerificationEnabled(false);
            options.setSSLHostnameVerifier(serviceName);
        }
    }

    /** Why the service-name check refused the last handshake's certificate, or null. */
    String mismatch() {
        return serviceName == null ? null : serviceName.mismatch();
    }
}
