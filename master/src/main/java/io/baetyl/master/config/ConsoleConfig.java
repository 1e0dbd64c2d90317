package io.baetyl.master.config;

import io.baetyl.master.security.LogSafe;
import io.baetyl.master.security.Names;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code console:} in conf.yml: the web console. Off by default; when on, it listens on the loopback address unless
 * told otherwise. Users log in with a service's API token (and get that service's rights) or as a user configured
 * here with a hashed password (see the README's "Web console").
 */
public class ConsoleConfig {
    /** Usernames: letters, digits and {@code _.@-}, at most 64. */
    public static final Pattern USERNAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$");

    public boolean enabled;
    public String address = "tcp://127.0.0.1:9888";
    /** TLS (PEM files, relative to the working dir) when both are set. */
    public String cert = "";
    public String key = "";
    public Session session = new Session();
    public List<User> users = new ArrayList<>();

    /** {@code console.session:} how long a login lasts without use. */
    public static class Session {
        public Duration timeout = Duration.ofMinutes(30);
    }

    /** {@code console.users[]}: a person who may log in, and what they may do beyond looking. */
    public static class User {
        public String username = "";
        /** {@code pbkdf2_sha256$<iterations>$<salt>$<base64 hash>}, as {@code baetyl hash-password} prints it. */
        public String password = "";
        /** Services whose replicas the user may restart; {@code '*'} for every service. None by default. */
        public List<String> restart = new ArrayList<>();
        /** Whether the user may apply an application.yml (the OTA path, with its rollback). No by default. */
        public boolean update;
    }

    void validate() {
        WebAddress.parse("console.address", address);
        boolean hasCert = cert != null && !cert.isBlank();
        boolean hasKey = key != null && !key.isBlank();
        if (hasCert != hasKey) {
            throw new IllegalArgumentException("console.cert and console.key: must be set together");
        }
        if (session.timeout == null || session.timeout.isNegative() || session.timeout.isZero()) {
            throw new IllegalArgumentException("console.session.timeout: must be positive");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < users.size(); i++) {
            User u = users.get(i);
            String k = "console.users[" + i + "]";
            if (u == null) {
                throw new IllegalArgumentException(k + ": is empty");
            }
            if (u.username == null || !USERNAME.matcher(u.username).matches()) {
                throw new IllegalArgumentException(k + ".username: invalid username '" + LogSafe.q(u.username)
                        + "' (letters, digits and _.@-, at most 64)");
            }
            if (!seen.add(u.username)) {
                throw new IllegalArgumentException(k + ".username: '" + u.username + "' is listed twice");
            }
            String hashError = io.baetyl.master.security.PasswordHash.formatError(u.password);
            if (hashError != null) {
                throw new IllegalArgumentException(k + ".password: " + hashError);
            }
            for (int j = 0; j < u.restart.size(); j++) {
                String s = u.restart.get(j);
                if (s == null || !(s.equals("*") || Names.SERVICE.matcher(s).matches())) {
                    throw new IllegalArgumentException(k + ".restart[" + j + "]: must be a service name or '*', got '"
                            + LogSafe.q(s) + "'");
                }
            }
        }
    }
}
