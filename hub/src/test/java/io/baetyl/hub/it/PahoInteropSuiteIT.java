package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.testing.FreePorts;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Eclipse Paho MQTT interoperability suites (github.com/eclipse/paho.mqtt.testing, {@code interoperability/})
 * against the hub: {@code client_test.py} (3.1.1) and {@code client_test5.py} (MQTT 5), each test in its own
 * {@code /usr/bin/python3} process with a timeout, run by {@code paho/run_paho_test.py} (which logs the suite's clients
 * in and maps their client ids to baetyl's character set). The suite is read from {@code ../shared/third-party/
 * paho.mqtt.testing} next to the repository, or {@code $PAHO_MQTT_TESTING}; without it these tests are skipped
 * (hub/README.md says how to get it).
 * No QoS capping; {@code test_subscribe_failure} logs in as a principal whose permits leave out {@code test/nosubscribe}.
 */
@Timeout(600)
class PahoInteropSuiteIT {
    /** 3.1.1: all but test_dollar_topics, which the suite says to omit where {@code $} publishes are refused (they are). */
    static final List<String> V311 = List.of("testBasic", "test_keepalive", "test_offline_message_queueing",
            "test_overlapping_subscriptions", "test_redelivery_on_reconnect", "test_retained_messages",
            "test_subscribe_failure", "test_unsubscribe", "test_zero_length_clientid");
    /**
     * MQTT 5: all but test_dollar_topics (26 of 27), which the suite allows to leave out where {@code $} publishes stay
     * refused (as for 3.1.1, they do).
     */
    static final List<String> V5 = List.of("test_assigned_clientid", "test_basic", "test_client_topic_alias",
            "test_flow_control1", "test_flow_control2", "test_keepalive", "test_maximum_packet_size",
            "test_offline_message_queueing", "test_overlapping_subscriptions", "test_payload_format",
            "test_publication_expiry", "test_redelivery_on_reconnect", "test_request_response", "test_retained_message",
            "test_server_keep_alive", "test_server_topic_alias", "test_session_expiry", "test_shared_subscriptions",
            "test_subscribe_failure", "test_subscribe_identifiers", "test_subscribe_options", "test_unsubscribe",
            "test_user_properties", "test_will_delay", "test_will_message", "test_zero_length_clientid");
    /**
     * Tests that race in the suite itself:
     * <ul>
     * <li>test_request_response waits for the requester's SUBACK, not the responder's, before it publishes the
     * request (client_test5.py, the second {@code waitfor(callback.subscribeds, 1, 3)} counts the first SUBACK);</li>
     * <li>test_subscribe_options does the same after the second client's SUBSCRIBE and publishes at once.</li>
     * </ul>
     * The SUBSCRIBE and the PUBLISH come on two connections; with two event loops, on a loaded machine the hub may
     * route the PUBLISH before the other loop has read the SUBSCRIBE written just before it (as any broker that reads
     * its connections on several threads may). Retried three times, test_subscribe_options still failed all three in
     * a loaded full test run. These two run against a second hub with one event loop, which reads the two
     * connections in the order their bytes arrived, so what they check (no-local, retain-as-published, retain
     * handling, response topics and correlation data) is checked without the race; a hub that gets any of it wrong
     * fails them. The other 24 run against the hub with its default event loops.
     */
    static final java.util.Set<String> RACY_IN_SUITE = java.util.Set.of("test_request_response",
            "test_subscribe_options");

    @TempDir
    static Path dir;
    static TestHub hub;
    static int port;
    /** One event loop: for {@link #RACY_IN_SUITE}. */
    static TestHub orderedHub;
    static int orderedPort;
    static Path suite;

    /**
     * {@code $PAHO_MQTT_TESTING/interoperability} if set, else {@code <repo>/../shared/third-party/paho.mqtt.testing/
     * interoperability} (the tests run in {@code <repo>/hub}).
     */
    static Path suiteDir() {
        String env = System.getenv("PAHO_MQTT_TESTING");
        Path root = env != null && !env.isEmpty() ? Path.of(env)
                : Path.of("").toAbsolutePath().getParent().getParent().resolve("shared/third-party/paho.mqtt.testing");
        return root.resolve("interoperability");
    }

    @BeforeAll
    static void start() {
        suite = suiteDir();
        Assumptions.assumeTrue(Files.isRegularFile(suite.resolve("client_test5.py")),
                "Eclipse Paho interoperability suite not found at " + suite + " (see hub/README.md, Tests)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "/usr/bin/python3 not installed");
        HubConfig c = TestHub.config();
        port = FreePorts.next();
        c.listen = List.of("tcp://127.0.0.1:" + port);
        c.principals = List.of(
                TestHub.principal("u1", "p1", List.of("#"), List.of("#")),
                TestHub.principal("nosub", "p2", List.of("#"),
                        List.of("TopicA/#", "Topic/#", "/#", "client_test5/#")));
        // test_server_keep_alive connects with 120 s and expects the server's 60
        c.connect.keepalive.max = java.time.Duration.ofSeconds(60);
        hub = TestHub.start(c, dir.resolve("hub"));
        HubConfig one = TestHub.config();
        orderedPort = FreePorts.next();
        one.listen = List.of("tcp://127.0.0.1:" + orderedPort);
        one.principals = c.principals;
        one.connect.keepalive.max = c.connect.keepalive.max;
        // the hub reads its event loop count when it is made; nothing else in this JVM makes a hub meanwhile
        System.setProperty("baetyl.hub.eventLoops", "1");
        try {
            orderedHub = TestHub.start(one, dir.resolve("ordered-hub"));
        } finally {
            System.clearProperty("baetyl.hub.eventLoops");
        }
    }

    @AfterAll
    static void stop() {
        if (hub != null) {
            hub.close();
        }
        if (orderedHub != null) {
            orderedHub.close();
        }
    }

    @Test
    void mqtt311Suite() throws Exception {
        runAll("client_test", V311);
    }

    @Test
    void mqtt5Suite() throws Exception {
        // -Dpaho.v5.tests=a,b,...: run those instead (to look at tests not asserted yet; each one's log is printed)
        String only = System.getProperty("paho.v5.tests", "");
        runAll("client_test5", only.isBlank() ? V5 : List.of(only.split(",")));
    }

    /** Runs each test in its own process; fails with the output of every test that failed. */
    private static void runAll(String module, List<String> tests) throws Exception {
        List<String> failed = new ArrayList<>();
        for (String t : tests) {
            boolean ordered = RACY_IN_SUITE.contains(t);
            String problem = run(module, t, ordered ? orderedPort : port);
            System.out.println("paho " + module + " " + t + (ordered ? " (one event loop)" : "") + ": "
                    + (problem == null ? "passed" : "FAILED"));
            if (problem != null) {
                failed.add(problem);
            }
        }
        assertThat(failed).as("failed %s tests", module).isEmpty();
    }

    /** Null if the test passed, else its name and output. */
    private static String run(String module, String test, int port) throws IOException, InterruptedException,
            URISyntaxException {
        Path runner = Path.of(PahoInteropSuiteIT.class.getResource("/paho/run_paho_test.py").toURI());
        boolean refused = test.equals("test_subscribe_failure");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", runner.toString(), suite.toString(), module,
                "127.0.0.1", Integer.toString(port), refused ? "nosub" : "u1", refused ? "p2" : "p1", test));
        Path out = dir.resolve(module + "-" + test + ".log");
        Process p = new ProcessBuilder(cmd).directory(suite.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        boolean done = p.waitFor(90, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String log = Files.readString(out, StandardCharsets.UTF_8);
        if (!done) {
            return test + ": did not finish within 90 s\n" + log;
        }
        return p.exitValue() == 0 ? null : test + ": exit " + p.exitValue() + "\n" + log;
    }
}
