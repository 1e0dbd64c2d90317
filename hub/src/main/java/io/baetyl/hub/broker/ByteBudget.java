package io.baetyl.hub.broker;

import java.util.concurrent.atomic.AtomicLong;

/** Bytes shared by many holders up to a cap, e.g. all sessions' QoS 0 queues ({@code message.egress.qos0.total.size.max}). */
public final class ByteBudget {
    private final long max;
    private final AtomicLong used = new AtomicLong();

    public ByteBudget(long max) {
        this.max = max;
    }

    /** Takes {@code n} bytes if they fit. */
    public boolean tryAcquire(long n) {
        while (true) {
            long u = used.get();
            if (u + n > max) {
                return false;
            }
            if (used.compareAndSet(u, u + n)) {
                return true;
            }
        }
    }

    public void release(long n) {
        used.addAndGet(-n);
    }

    public long used() {
        return used.get();
    }

    public long max() {
        return max;
    }
}
