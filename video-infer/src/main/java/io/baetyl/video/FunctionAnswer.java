package io.baetyl.video;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The post-processing function's JSON answer, read as the original read it: {@code imageDiscard} (true or
 * "true"), {@code imageLocation}, {@code publishTopic}, {@code publishQOS}. Every other key is published as is.
 * Keys are kept sorted, as Go's {@code json.Marshal} of a map wrote them.
 *
 * <p>Fixed quirk: the original read {@code publishQOS} as a Go {@code int}, which a JSON number never is, so it
 * always published QoS 0; here {@code publishQOS} is honoured.
 */
final class FunctionAnswer {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_TOPIC_BYTES = 65_535;

    /** An answer video-infer cannot act on; the text says which key is wrong. */
    static final class BadAnswerException extends Exception {
        BadAnswerException(String message) {
            super(message);
        }
    }

    final TreeMap<String, Object> content;
    private final boolean discard;
    private final String location;
    private final String topic;
    private final int qos;

    private FunctionAnswer(TreeMap<String, Object> content) throws BadAnswerException {
        this.content = content;
        Object d = content.get("imageDiscard");
        this.discard = Boolean.TRUE.equals(d) || (d instanceof String s && s.equalsIgnoreCase("true"));
        this.location = text(content, "imageLocation");
        this.topic = text(content, "publishTopic");
        if (topic != null) {
            if (topic.contains("+") || topic.contains("#") || topic.indexOf('\0') >= 0) {
                throw new BadAnswerException("publishTopic '" + topic + "' is not a topic to publish to (no +, # or "
                        + "NUL)");
            }
            if (topic.getBytes(StandardCharsets.UTF_8).length > MAX_TOPIC_BYTES) {
                throw new BadAnswerException("publishTopic is longer than " + MAX_TOPIC_BYTES + " bytes");
            }
        }
        this.qos = qos(content.get("publishQOS"));
    }

    static FunctionAnswer parse(byte[] answer) throws BadAnswerException {
        TreeMap<String, Object> content;
        try {
            content = JSON.readValue(answer, new TypeReference<TreeMap<String, Object>>() {
            });
        } catch (JsonProcessingException e) {
            throw new BadAnswerException("the answer is not a JSON object: " + preview(answer));
        } catch (java.io.IOException e) {
            throw new BadAnswerException("the answer cannot be read: " + e.getMessage());
        }
        if (content == null) {
            throw new BadAnswerException("the answer is not a JSON object: " + preview(answer));
        }
        return new FunctionAnswer(content);
    }

    private static String text(Map<String, Object> m, String key) throws BadAnswerException {
        Object v = m.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new BadAnswerException(key + " must be a string, got " + v);
        }
        return s.isEmpty() ? null : s;
    }

    private static int qos(Object v) throws BadAnswerException {
        if (v == null) {
            return 0;
        }
        BigDecimal n = null;
        if (v instanceof Number num) {
            n = new BigDecimal(num.toString());
        } else if (v instanceof String s) {
            try {
                n = new BigDecimal(s.trim());
            } catch (NumberFormatException e) {
                n = null;
            }
        }
        if (n == null || n.signum() < 0 || n.compareTo(BigDecimal.valueOf(2)) > 0 || n.stripTrailingZeros().scale() > 0) {
            throw new BadAnswerException("publishQOS must be 0, 1 or 2, got " + v);
        }
        return n.intValue();
    }

    static String preview(byte[] b) {
        int n = Math.min(b.length, 120);
        String s = new String(b, 0, n, StandardCharsets.UTF_8).replaceAll("[\\p{Cntrl}&&[^\\t]]", "?");
        return "'" + s + "'" + (b.length > n ? "... (" + b.length + " bytes)" : "");
    }

    boolean discard() {
        return discard;
    }

    /** Where to save the frame, or null. */
    String location() {
        return location;
    }

    /** The topic to publish to, or null. */
    String topic() {
        return topic;
    }

    int qos() {
        return qos;
    }
}
