package io.baetyl.agent;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The report's wire encryption, as baetyl-agent 1.x does it (utils/aes.go, utils/rsa.go):
 * <ul>
 *   <li>a fresh AES key of 32 ASCII letters per report;</li>
 *   <li>body = base64(AES-256-CBC(JSON)) with a zero IV and PKCS#7 padding;</li>
 *   <li>{@code x-iot-edge-key} = base64 of the AES key "encrypted" with the device's RSA private key: PKCS#1 v1.5
 *       block type 1 (what Go's {@code rsa.SignPKCS1v15} with no hash produces), so that the cloud recovers it
 *       with the public key of the device's certificate.</li>
 * </ul>
 * The zero IV is the original's (it is what the cloud expects); the key is never reused, which is what keeps a
 * zero IV from leaking equal prefixes across reports. Unlike the original (math/rand), the key comes from
 * {@link SecureRandom}.
 */
public final class ReportCrypto {
    static final String KEY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static final int KEY_LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What goes on the wire: the base64 body and the base64 encrypted key. */
    public record Sealed(String body, String key) {
    }

    private ReportCrypto() {
    }

    public static Sealed seal(byte[] json, PrivateKey deviceKey) throws GeneralSecurityException {
        byte[] aesKey = newAesKey();
        byte[] body = aesEncrypt(json, aesKey);
        Cipher rsa = Cipher.getInstance("RSA/ECB/PKCS1Padding");
        rsa.init(Cipher.ENCRYPT_MODE, deviceKey); // with a private key: block type 1, as SignPKCS1v15(hash 0)
        byte[] key = rsa.doFinal(aesKey);
        Base64.Encoder b64 = Base64.getEncoder();
        return new Sealed(b64.encodeToString(body), b64.encodeToString(key));
    }

    static byte[] newAesKey() {
        byte[] key = new byte[KEY_LENGTH];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) KEY_CHARS.charAt(RANDOM.nextInt(KEY_CHARS.length()));
        }
        return key;
    }

    static byte[] aesEncrypt(byte[] plain, byte[] key) throws GeneralSecurityException {
        Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding"); // PKCS#5 padding on 16-byte blocks is PKCS#7
        aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
        return aes.doFinal(plain);
    }

    /** The reverse of {@link #aesEncrypt}, for tests. */
    static String aesDecrypt(byte[] cipherText, byte[] key) throws GeneralSecurityException {
        Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
        aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
        return new String(aes.doFinal(cipherText), StandardCharsets.UTF_8);
    }
}
