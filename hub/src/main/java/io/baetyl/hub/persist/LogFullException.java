package io.baetyl.hub.persist;

/** The QoS 1 log has reached {@code storage.size.max} or {@code storage.count.max}; nothing was written. */
public final class LogFullException extends RuntimeException {
    public LogFullException(String message) {
        super(message, null, false, false);
    }
}
