package io.baetyl.remote;

import io.baetyl.hub.testing.Certs;
import io.baetyl.sdk.testing.FreePorts;
import io.baetyl.sdk.testing.Mosquitto;
import java.nio.file.Path;

/**
 * The "cloud": a real Mosquitto whose first listener requires TLS with a client certificate (what the bridge uses),
 * plus a plain listener on another port for the tests' own observing clients. Persistent, so a restart keeps the
 * observers' sessions and the messages queued for them: losses can then only come from the bridge.
 */
final class RemoteBroker implements AutoCloseable {
    final Mosquitto mosquitto;
    final int plainPort;

    RemoteBroker(Path dir, Certs certs) throws Exception {
        plainPort = FreePorts.next();
        mosquitto = new Mosquitto(dir, """
                cafile %s
                certfile %s
                keyfile %s
                require_certificate true
                use_identity_as_username true
                allow_anonymous true
                persistence true
                persistence_location %s/
                max_queued_messages 10000
                listener %d 127.0.0.1
                """.formatted(certs.ca, certs.serverCert, certs.serverKey, dir, plainPort));
        mosquitto.start();
    }

    String tlsAddress() {
        return "ssl://127.0.0.1:" + mosquitto.port();
    }

    String plainAddress() {
        return "tcp://127.0.0.1:" + plainPort;
    }

    @Override
    public void close() throws Exception {
        mosquitto.close();
    }
}
