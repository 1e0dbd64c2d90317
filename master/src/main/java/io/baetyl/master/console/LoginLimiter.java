package io.baetyl.master.console;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Slows password guessing: after {@link #PER_ADDRESS} failed logins from one address within {@link #WINDOW_MILLIS},
 * that address gets 429 without its password being checked until the window has passed; after {@link #OVERALL}
 * failures from all addresses together within the window, everyone does (a guesser with many addresses). A
 * successful login clears its address. At most {@link #MAX_ADDRESSES} addresses are remembered (the oldest is
 * forgotten first).
 */
final class LoginLimiter {
    static final int PER_ADDRESS = 5;
    static final int OVERALL = 50;
    static final long WINDOW_MILLIS = 60_000;
    static final int MAX_ADDRESSES = 1024;

    private final Clock clock;
    private final Map<String, Window> byAddress = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };
    private final Window overall = new Window();

    private static final class Window {
        long start;
        int failures;

        int failures(long now) {
            if (now - start >= WINDOW_MILLIS) {
                start = now;
                failures = 0;
            }
            return failures;
        }
    }

    LoginLimiter(Clock clock) {
        this.clock = clock;
    }

    /** Seconds the address must wait before trying again, or 0 when it may try now. */
    synchronized long retryAfterSeconds(String address) {
        long now = clock.millis();
        Window w = byAddress.get(address);
        if (w != null && w.failures(now) >= PER_ADDRESS) {
            return Math.max(1, (w.start + WINDOW_MILLIS - now + 999) / 1000);
        }
        if (overall.failures(now) >= OVERALL) {
            return Math.max(1, (overall.start + WINDOW_MILLIS - now + 999) / 1000);
        }
        return 0;
    }

    synchronized void failed(String address) {
        long now = clock.millis();
        Window w = byAddress.computeIfAbsent(address, a -> new Window());
        w.failures(now);
        w.failures++;
        overall.failures(now);
        overall.failures++;
    }

    synchronized void succeeded(String address) {
        byAddress.remove(address);
    }
}
