package io.baetyl.master.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Console passwords as PBKDF2-HMAC-SHA256 hashes in the text form Django uses:
 * {@code pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte key>}, the salt being used as its UTF-8 bytes.
 * The JDK computes it (no extra library), the iteration count travels with the hash, and any tool that writes this
 * form (Django, a few lines of Python's hashlib) can make one; {@code baetyl hash-password} does.
 */
public final class PasswordHash {
    public static final String PREFIX = "pbkdf2_sha256";
    /** What {@code baetyl hash-password} uses: about 1 s per login on a small device with the master's C1-only JIT. */
    public static final int DEFAULT_ITERATIONS = 200_000;
    /** Fewer make brute force of a leaked conf.yml cheap; more make each login a CPU burden for the device. */
    public static final int MIN_ITERATIONS = 10_000;
    public static final int MAX_ITERATIONS = 10_000_000;
    private static final int KEY_BYTES = 32;

    private PasswordHash() {
    }

    /** Why {@code hash} is not a usable hash, or null when it is. Never quotes the hash itself. */
    public static String formatError(String hash) {
        if (hash == null || hash.isEmpty()) {
            return "is empty: set a hash made with 'baetyl hash-password'";
        }
        String[] p = hash.split("\\$", -1);
        if (p.length != 4 || !p[0].equals(PREFIX)) {
            return "must be a hash of the form " + PREFIX + "$<iterations>$<salt>$<hash> (made with "
                    + "'baetyl hash-password'), not a plain password";
        }
        int iterations;
        try {
            iterations = Integer.parseInt(p[1]);
        } catch (NumberFormatException e) {
            return "the iteration count is not a number";
        }
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            return "the iteration count must be between " + MIN_ITERATIONS + " and " + MAX_ITERATIONS + ", got "
                    + iterations;
        }
        if (p[2].isEmpty() || p[2].length() > 128) {
            return "the salt must be 1 to 128 characters";
        }
        try {
            if (Base64.getDecoder().decode(p[3]).length != KEY_BYTES) {
                return "the hash must be " + KEY_BYTES + " bytes in base64";
            }
        } catch (IllegalArgumentException e) {
            return "the hash is not base64";
        }
        return null;
    }

    /** Whether {@code password} matches {@code hash} (which {@link #formatError} accepted); constant-time compare. */
    public static boolean verify(String hash, String password) {
        if (formatError(hash) != null || password == null) {
            return false;
        }
        String[] p = hash.split("\\$", -1);
        byte[] expected = Base64.getDecoder().decode(p[3]);
        byte[] actual = derive(password, p[2], Integer.parseInt(p[1]));
        return MessageDigest.isEqual(expected, actual);
    }

    /** A new hash of {@code password} with a random salt. */
    public static String create(String password, int iterations) {
        byte[] saltBytes = new byte[12];
        new SecureRandom().nextBytes(saltBytes);
        String salt = Base64.getUrlEncoder().withoutPadding().encodeToString(saltBytes);
        return PREFIX + "$" + iterations + "$" + salt + "$"
                + Base64.getEncoder().encodeToString(derive(password, salt, iterations));
    }

    private static byte[] derive(String password, String salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt.getBytes(StandardCharsets.UTF_8), iterations,
                KEY_BYTES * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available: " + e.getMessage(), e);
        } finally {
            spec.clearPassword();
        }
    }
}
