package io.baetyl.hub.broker;

/**
 * A QoS 1 message could not be stored: the log is at its cap ({@code storage.size.max}, {@code storage.count.max}) or
 * a write failed. The message must not be acknowledged; the publisher's connection is closed, so that its client
 * sends it again later.
 */
public final class NotStoredException extends RuntimeException {
    public NotStoredException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
