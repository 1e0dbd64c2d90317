package io.baetyl.function.manager;

import io.baetyl.sdk.Env;
import io.baetyl.sdk.api.MasterClient;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts instances through the master API, as Baetyl's {@code instance.go} does. Native mode: a free port from
 * {@code /v1/ports/available}, the runtime listens on and we dial {@code 127.0.0.1:<port>}. Docker mode: the
 * container (named after the instance) listens on {@code 0.0.0.0:50051} and we dial {@code <name>:50051} on the
 * {@code baetyl} network. The address goes to the runtime in {@code BAETYL_SERVICE_INSTANCE_ADDRESS} and the
 * OPENEDGE aliases.
 */
final class MasterInstanceFactory implements InstanceFactory {
    private static final Logger log = LoggerFactory.getLogger(MasterInstanceFactory.class);
    static final int DOCKER_PORT = 50051;

    private final MasterClient master;
    private final boolean nativeMode;
    private final ManagerConfig.FunctionSpec spec;

    MasterInstanceFactory(MasterClient master, boolean nativeMode, ManagerConfig.FunctionSpec spec) {
        this.master = master;
        this.nativeMode = nativeMode;
        this.spec = spec;
    }

    @Override
    public String instanceName(int id) {
        return spec.service + "." + spec.name + "." + id;
    }

    @Override
    public FunctionInstance start(int id) throws Exception {
        String name = instanceName(id);
        long deadline = System.nanoTime() + spec.timeout.toNanos();
        String host;
        int port;
        String listen;
        if (nativeMode) {
            host = "127.0.0.1";
            port = Integer.parseInt(master.getAvailablePort().trim());
            listen = host + ":" + port;
        } else {
            host = name;
            port = DOCKER_PORT;
            listen = "0.0.0.0:" + DOCKER_PORT;
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Env.OE_SERVICE_ADDRESS, listen);
        env.put(Env.OE_SERVICE_INSTANCE_ADDRESS, listen);
        env.put(Env.SERVICE_INSTANCE_ADDRESS, listen);
        long t0 = System.nanoTime();
        master.startInstance(spec.service, name, env);
        log.debug("instance starting: function={} instance={} address={}:{}", spec.name, name, host, port);
        ManagedChannel channel = null;
        try {
            // Wait for the port ourselves: gRPC's reconnect backoff starts at 1s, which would make every cold start
            // at least a second long when the first connect lands before the runtime listens.
            awaitListening(host, port, deadline);
            // Dial the resolved IP: gRPC makes a URI authority of the host name, which rejects docker instance
            // names such as "svc.fn.3" (a numeric last label is not a valid URI host name).
            java.net.InetAddress ip = java.net.InetAddress.getByAddress(java.net.InetAddress.getByName(host).getAddress());
            channel = NettyChannelBuilder.forAddress(new InetSocketAddress(ip, port))
                    .usePlaintext()
                    .maxInboundMessageSize((int) spec.message.length.max.bytes())
                    .build();
            awaitReady(channel, deadline);
        } catch (Exception e) {
            if (channel != null) {
                channel.shutdownNow();
            }
            stopQuietly(name);
            throw new Exception("failed to start instance (" + name + "): " + e.getMessage(), e);
        }
        log.info("instance started: function={} instance={} address={}:{} ms={}", spec.name, name, host, port,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return new FunctionInstance(id, name, host + ":" + port, channel);
    }

    private void awaitListening(String host, int port, long deadline) throws Exception {
        int attempt = 0;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 1000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() >= deadline) {
                    throw new TimeoutException("no runtime listening on " + host + ":" + port + " within "
                            + spec.timeout.toMillis() + "ms (see the runtime's log for why it did not start)");
                }
            }
            attempt++;
            Thread.sleep(attempt < 50 ? 5 : 50);
        }
    }

    private void awaitReady(ManagedChannel channel, long deadline) throws Exception {
        while (true) {
            ConnectivityState state = channel.getState(true);
            if (state == ConnectivityState.READY) {
                return;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("gRPC connection not ready within " + spec.timeout.toMillis() + "ms (state "
                        + state + ")");
            }
            CountDownLatch changed = new CountDownLatch(1);
            channel.notifyWhenStateChanged(state, changed::countDown);
            changed.await(Math.min(left, Duration.ofMillis(200).toNanos()), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void stop(FunctionInstance instance) {
        instance.closeChannel();
        stopQuietly(instance.name());
        log.info("instance stopped: function={} instance={}", spec.name, instance.name());
    }

    private void stopQuietly(String name) {
        try {
            master.stopInstance(spec.service, name);
        } catch (RuntimeException e) {
            log.warn("failed to stop instance: function={} instance={} error={}", spec.name, name, e.getMessage());
        }
    }
}
