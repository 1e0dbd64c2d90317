package io.baetyl.sdk.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size in bytes written like Docker's {@code RAMInBytes}: {@code 32k}, {@code 4m}, {@code 1.5g}, {@code 512}
 * (binary multiples, case-insensitive, optional {@code b}/{@code ib} suffix). Baetyl uses it for
 * {@code message.length.max}, {@code memory.limit} and friends.
 */
public record ByteSize(long bytes) {
    private static final Pattern SIZE = Pattern.compile("^(\\d+(?:\\.\\d+)?)\\s*([kmgtp])?(?:i?b)?$");

    public static ByteSize parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("invalid size: null");
        }
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid size \"" + text + "\" (use a number with an optional k, m, g, t or p suffix)");
        }
        double value = Double.parseDouble(m.group(1));
        long unit = 1;
        if (m.group(2) != null) {
            unit = switch (m.group(2)) {
                case "k" -> 1L << 10;
                case "m" -> 1L << 20;
                case "g" -> 1L << 30;
                case "t" -> 1L << 40;
                default -> 1L << 50;
            };
        }
        return new ByteSize((long) (value * unit));
    }

    public static ByteSize ofBytes(long bytes) {
        return new ByteSize(bytes);
    }

    @Override
    public String toString() {
        return Long.toString(bytes);
    }
}
