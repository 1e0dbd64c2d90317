package io.baetyl.master.web;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** One answer: status, content type, extra headers and the body (never null). */
public record WebResponse(int status, String contentType, Map<String, String> headers, byte[] body) {
    public static final String TEXT = "text/plain; charset=utf-8";
    public static final String JSON = "application/json; charset=utf-8";

    public static WebResponse text(int status, String text) {
        return new WebResponse(status, TEXT, Map.of(), (text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    public static WebResponse of(int status, String contentType, byte[] body) {
        return new WebResponse(status, contentType, Map.of(), body);
    }

    /** The same answer with one more header. */
    public WebResponse with(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new WebResponse(status, contentType, h, body);
    }
}
