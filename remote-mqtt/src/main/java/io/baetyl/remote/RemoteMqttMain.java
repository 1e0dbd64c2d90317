package io.baetyl.remote;

import io.baetyl.sdk.Baetyl;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * baetyl-remote-mqtt: {@code -c etc/baetyl/service.yml}; bridges until SIGTERM/SIGINT (exit 0), or exits 1 on a bad
 * config or, with {@code validatesubs}, a refused subscription.
 */
public final class RemoteMqttMain {
    private RemoteMqttMain() {
    }

    public static void main(String[] args) {
        Baetyl.run(args, ctx -> {
            RemoteMqttConfig cfg = ctx.loadConfig(RemoteMqttConfig.class);
            try (RemoteMqtt bridge = new RemoteMqtt(cfg, ctx::reportInstance).start()) {
                CompletableFuture<Void> signalled = new CompletableFuture<>();
                Thread waiter = new Thread(() -> {
                    try {
                        ctx.awaitShutdown();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    signalled.complete(null);
                }, "shutdown-wait");
                waiter.setDaemon(true);
                waiter.start();
                // A subscription refused under validatesubs ends the module, as the original's start() error did.
                CompletableFuture<Void> fatal = new CompletableFuture<>();
                bridge.subscribed().whenComplete((ok, e) -> {
                    if (e != null) {
                        fatal.completeExceptionally(e);
                    }
                });
                try {
                    CompletableFuture.anyOf(signalled, fatal).get();
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                            ? c.getCause() : e.getCause();
                    throw new IllegalStateException(cause.getMessage(), cause);
                }
            }
        });
    }
}
