package io.baetyl.sdk.api;

/** The master answered with an error status, or could not be reached (status 0). */
public class MasterApiException extends RuntimeException {
    private final int status;

    public MasterApiException(int status, String body) {
        super("[" + status + "] " + body.strip());
        this.status = status;
    }

    public MasterApiException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
    }

    public int status() {
        return status;
    }
}
