package io.baetyl.master.api;

import java.nio.charset.StandardCharsets;

/** One answer of the REST API: status, content type and body bytes (never null). */
record ApiResponse(int status, String contentType, byte[] body) {
    static final String TEXT = "text/plain; charset=utf-8";
    static final String JSON = "application/json";

    /** An error the way Go's {@code http.Error} writes it: the message plus a newline, as plain text. */
    static ApiResponse error(int status, String message) {
        return new ApiResponse(status, TEXT, (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    static ApiResponse json(byte[] body) {
        return new ApiResponse(200, JSON, body);
    }

    static ApiResponse empty() {
        return new ApiResponse(200, null, new byte[0]); // like Go: no body, no content type
    }
}
