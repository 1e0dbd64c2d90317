package io.baetyl.master.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version and git revision baked in at build time (from version.properties). */
public final class Version {
    public static final String VERSION;
    public static final String REVISION;

    static {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("/baetyl-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // fall through to the defaults below
        }
        VERSION = p.getProperty("version", "dev");
        String rev = p.getProperty("revision", "unknown");
        REVISION = rev.startsWith("${") ? "unknown" : rev;
    }

    private Version() {
    }
}
