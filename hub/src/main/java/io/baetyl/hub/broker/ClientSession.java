package io.baetyl.hub.broker;

import java.util.concurrent.CompletableFuture;

/** A connected client's session as the broker's registry knows it: one per client id. */
public interface ClientSession {
    String clientId();

    /**
     * Closes this session's connection because the same client id connected again (called from the new connection's
     * thread); the future completes once this session is unregistered and its state saved.
     */
    CompletableFuture<Void> takeOver();
}
