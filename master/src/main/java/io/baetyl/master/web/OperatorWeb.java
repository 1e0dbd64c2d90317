package io.baetyl.master.web;

import io.baetyl.master.runtime.Operations;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts what conf.yml turns on: {@code /metrics} and the console, each on its own address. The master refers to
 * this class only when one of them is on, so with both off none of their classes (nor the Prometheus client) is
 * loaded.
 */
public final class OperatorWeb implements AutoCloseable {
    private final List<AutoCloseable> parts;

    private OperatorWeb(List<AutoCloseable> parts) {
        this.parts = parts;
    }

    /** @throws IOException naming the conf.yml key when an address cannot be bound; nothing stays open then */
    public static AutoCloseable start(Operations ops) throws IOException {
        List<AutoCloseable> parts = new ArrayList<>();
        OperatorWeb web = new OperatorWeb(parts);
        WebServer.Shared shared = new WebServer.Shared();
        try {
            if (ops.config().metrics.enabled) {
                parts.add(io.baetyl.master.metrics.MetricsEndpoint.start(ops, shared));
            }
            if (ops.config().console.enabled) {
                parts.add(io.baetyl.master.console.Console.start(ops, shared));
            }
            parts.add(shared); // closed last
        } catch (IOException | RuntimeException e) {
            web.close();
            shared.close();
            throw e;
        }
        return web;
    }

    @Override
    public void close() {
        for (AutoCloseable p : parts) {
            try {
                p.close();
            } catch (Exception e) {
                // each part logs its own trouble; the others still close
            }
        }
    }
}
