package io.baetyl.sdk.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations written the way Baetyl's Go configs write them ({@code 30s}, {@code 1m30s}, {@code 500ms}, {@code 1.5h}).
 * Existing configs must load unchanged, so this follows Go's {@code time.ParseDuration} grammar exactly.
 */
public final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
    private static final Map<String, Long> UNIT_NANOS = Map.of(
            "ns", 1L, "us", 1_000L, "µs", 1_000L, "μs", 1_000L, "ms", 1_000_000L,
            "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

    private GoDuration() {
    }

    /** Parses a Go duration string; throws {@link IllegalArgumentException} naming the bad text. */
    public static Duration parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("invalid duration: null");
        }
        String s = text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("invalid duration \"\"");
        }
        boolean negative = false;
        if (s.charAt(0) == '-' || s.charAt(0) == '+') {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(s);
        int pos = 0;
        BigDecimal nanos = BigDecimal.ZERO;
        while (pos < s.length()) {
            if (!m.find(pos) || m.start() != pos) {
                throw new IllegalArgumentException("invalid duration \"" + text + "\" (use Go syntax such as 30s, 1m30s, 500ms)");
            }
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(UNIT_NANOS.get(m.group(2)))));
            pos = m.end();
        }
        long n = nanos.longValue();
        return Duration.ofNanos(negative ? -n : n);
    }

    /** Formats like Go's {@code Duration.String()} for the common whole units: {@code 1h2m3s}, {@code 500ms}. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        if (d.isNegative()) {
            sb.append('-');
            d = d.negated();
        }
        long totalNanos = d.toNanos();
        if (totalNanos < 1_000_000_000L) {
            if (totalNanos % 1_000_000L == 0) {
                return sb.append(totalNanos / 1_000_000L).append("ms").toString();
            }
            if (totalNanos % 1_000L == 0) {
                return sb.append(totalNanos / 1_000L).append("µs").toString();
            }
            return sb.append(totalNanos).append("ns").toString();
        }
        long h = d.toHours();
        long m = d.toMinutesPart();
        double s = d.toSecondsPart() + d.toNanosPart() / 1e9;
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            sb.append(m).append('m');
        }
        if (s == Math.rint(s)) {
            sb.append((long) s);
        } else {
            sb.append(BigDecimal.valueOf(s).stripTrailingZeros().toPlainString());
        }
        return sb.append('s').toString();
    }
}
