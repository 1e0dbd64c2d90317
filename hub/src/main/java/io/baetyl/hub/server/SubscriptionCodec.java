package io.baetyl.hub.server;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A persistent session's subscriptions as stored: one {@code <qos> <filter>} line each. */
final class SubscriptionCodec {
    private SubscriptionCodec() {
    }

    static byte[] encode(Map<String, Integer> subs) {
        StringBuilder sb = new StringBuilder();
        subs.forEach((f, q) -> sb.append(q).append(' ').append(f).append('\n'));
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static Map<String, Integer> decode(byte[] data) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
            if (line.length() > 2) {
                out.put(line.substring(2), line.charAt(0) - '0');
            }
        }
        return out;
    }
}
