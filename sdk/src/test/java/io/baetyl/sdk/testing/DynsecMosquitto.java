package io.baetyl.sdk.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Mosquitto with its dynamic security plugin, whose clients, roles and ACLs a test changes while it runs
 * ({@code mosquitto_ctrl dynsec ...}). A client without a role that allows a filter gets SUBACK 0x80 for it (an ACL
 * file never refuses a subscription), and {@link #defaultAccess} grants it without disconnecting the client: the way
 * to see a subscription refused and then granted on one broker and one connection.
 */
public final class DynsecMosquitto implements AutoCloseable {
    private static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "admin-pw";
    public final Mosquitto mosquitto;

    private DynsecMosquitto(Mosquitto mosquitto) {
        this.mosquitto = mosquitto;
    }

    /** The plugin from Debian's mosquitto package, or null. */
    public static Path plugin() {
        for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib/arm-linux-gnueabihf", "/usr/lib")) {
            Path p = Path.of(dir, "mosquitto_dynamic_security.so");
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    public static boolean available() {
        return plugin() != null && Files.isExecutable(Path.of("/usr/bin/mosquitto_ctrl"));
    }

    public static DynsecMosquitto start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path json = dir.resolve("dynsec.json");
        run(List.of("mosquitto_ctrl", "dynsec", "init", json.toString(), ADMIN, ADMIN_PASSWORD));
        Mosquitto m = new Mosquitto(dir, "plugin " + plugin() + "\nplugin_opt_config_file " + json + "\n").start();
        return new DynsecMosquitto(m);
    }

    /** Runs {@code mosquitto_ctrl dynsec <args>} against this broker as the admin. */
    public void dynsec(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("mosquitto_ctrl", "-h", "127.0.0.1", "-p", Integer.toString(mosquitto.port()),
                "-u", ADMIN, "-P", ADMIN_PASSWORD, "dynsec"));
        cmd.addAll(List.of(args));
        run(cmd);
    }

    /** A client with a password and no role yet: it may connect, not publish or subscribe. */
    public void createClient(String username, String password) throws IOException, InterruptedException {
        dynsec("createClient", username, "-p", password);
    }

    /** Gives {@code username} a new role {@code role} with one ACL entry, e.g. {@code subscribePattern cmd/# allow}. */
    public void allow(String username, String role, String aclType, String filter) throws IOException, InterruptedException {
        dynsec("createRole", role);
        dynsec("addRoleACL", role, aclType, filter, "allow");
        dynsec("addClientRole", username, role);
    }

    /**
     * Sets the access for clients no role speaks for, e.g. {@code subscribe, true}. Sent as the plugin's JSON command
     * ({@code mosquitto_ctrl}'s own setDefaultACLAccess does nothing in 2.0.11); unlike a change of a client's roles,
     * it does not disconnect the clients it affects.
     */
    public void defaultAccess(String aclType, boolean allow) throws IOException, InterruptedException {
        run(List.of("mosquitto_pub", "-h", "127.0.0.1", "-p", Integer.toString(mosquitto.port()), "-u", ADMIN, "-P",
                ADMIN_PASSWORD, "-q", "1", "-t", "$CONTROL/dynamic-security/v1", "-m",
                "{\"commands\":[{\"command\":\"setDefaultACLAccess\",\"acls\":[{\"acltype\":\"" + aclType
                        + "\",\"allow\":" + allow + "}]}]}"));
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0 || out.contains("Error")) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    public String tcpAddress() {
        return mosquitto.tcpAddress();
    }

    @Override
    public void close() throws InterruptedException {
        mosquitto.close();
    }
}
