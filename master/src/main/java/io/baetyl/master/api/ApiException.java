package io.baetyl.master.api;

/**
 * A refusal with its own HTTP status: {@code 403} when the calling service may not do this, {@code 413} when a body
 * or the stats it would add are too large, {@code 429} when a bounded queue is full. The message is one line and is
 * sent as the response body. Any other exception from {@link MasterApi} is a {@code 400}.
 */
public class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    public static ApiException forbidden(String reason) {
        return new ApiException(403, reason);
    }

    public static ApiException tooLarge(String reason) {
        return new ApiException(413, reason);
    }

    public static ApiException tooMany(String reason) {
        return new ApiException(429, reason);
    }

    public int status() {
        return status;
    }
}
