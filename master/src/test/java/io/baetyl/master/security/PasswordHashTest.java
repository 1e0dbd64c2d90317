package io.baetyl.master.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.Test;

class PasswordHashTest {
    @Test
    void aHashVerifiesItsPasswordOnly() {
        String h = PasswordHash.create("s3cret", PasswordHash.MIN_ITERATIONS);
        assertThat(h).startsWith("pbkdf2_sha256$10000$");
        assertThat(PasswordHash.formatError(h)).isNull();
        assertThat(PasswordHash.verify(h, "s3cret")).isTrue();
        assertThat(PasswordHash.verify(h, "s3cret ")).isFalse();
        assertThat(PasswordHash.verify(h, "")).isFalse();
        assertThat(PasswordHash.create("s3cret", PasswordHash.MIN_ITERATIONS)).as("random salt").isNotEqualTo(h);
    }

    @Test
    void theDjangoFormatIsPbkdf2OfTheSaltAsUtf8() throws Exception {
        // Computed here independently of PasswordHash: PBKDF2-HMAC-SHA256("pw", "salt", 10000, 32 bytes).
        byte[] key = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(
                new PBEKeySpec("pw".toCharArray(), "salt".getBytes(StandardCharsets.UTF_8), 10000, 256)).getEncoded();
        String hash = "pbkdf2_sha256$10000$salt$" + Base64.getEncoder().encodeToString(key);
        assertThat(PasswordHash.verify(hash, "pw")).isTrue();
    }

    @Test
    void badHashesAreExplainedWithoutQuotingThem() {
        assertThat(PasswordHash.formatError("hunter2")).startsWith("must be a hash of the form").doesNotContain("hunter2");
        assertThat(PasswordHash.formatError("")).startsWith("is empty");
        assertThat(PasswordHash.formatError("pbkdf2_sha256$10$s$AAAA")).contains("between 10000 and");
        assertThat(PasswordHash.formatError("pbkdf2_sha256$20000$s$AAAA")).contains("32 bytes");
        assertThat(PasswordHash.formatError("pbkdf2_sha256$20000$s$!!!")).contains("not base64");
        assertThat(PasswordHash.verify("hunter2", "hunter2")).isFalse();
    }
}
