package io.baetyl.testcloud;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code baetyl-testcloud serve|push|reports}: see testcloud/README.md. */
@Command(name = "baetyl-testcloud", mixinStandardHelpOptions = true,
        description = "A small cloud for the Baetyl agent: MQTT (two-way TLS) and HTTPS reports and volumes.",
        subcommands = {TestCloudMain.Serve.class, TestCloudMain.Push.class, TestCloudMain.Reports.class})
public final class TestCloudMain {
    public static void main(String[] args) {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
        System.exit(new CommandLine(new TestCloudMain()).execute(args));
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Runs Mosquitto (ssl, client certificates required) and the HTTPS server until SIGTERM/Ctrl-C.")
    static final class Serve implements Callable<Integer> {
        @Parameters(index = "0", description = "the directory made by gen-certs.sh; reports and volumes are kept there")
        Path dir;
        @Option(names = "--mqtt-port", description = "MQTT over TLS port on 127.0.0.1 (default ${DEFAULT-VALUE})")
        int mqttPort = 8884;
        @Option(names = "--https-port", description = "HTTPS port on 127.0.0.1 (default ${DEFAULT-VALUE})")
        int httpsPort = 8443;

        @Override
        public Integer call() throws Exception {
            CountDownLatch stop = new CountDownLatch(1);
            try (TestCloud cloud = new TestCloud(dir, mqttPort, httpsPort).start()) {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    stop.countDown();
                    cloud.close();
                }));
                System.out.println("test cloud serving: mqtt " + cloud.mqttAddress() + ", https " + cloud.httpsAddress()
                        + ", reports in " + cloud.dir().resolve("reports"));
                stop.await();
            }
            return 0;
        }
    }

    @Command(name = "push", mixinStandardHelpOptions = true,
            description = "Zips SOURCE (a directory, or a ready .zip), serves it and sends the device an OTA event.")
    static final class Push implements Callable<Integer> {
        @Parameters(index = "0", description = "the directory the cloud serves from")
        Path dir;
        @Parameters(index = "1", description = "the volume's content: a directory (zipped here) or a .zip")
        Path source;
        @Option(names = "--device", required = true, description = "device id (its MQTT client id)")
        String device;
        @Option(names = "--type", description = "APP or MST (default ${DEFAULT-VALUE})")
        String type = "APP";
        @Option(names = "--trace", required = true, description = "the OTA's trace id, reported back by the device")
        String trace;
        @Option(names = "--name", required = true, description = "volume name, e.g. app-v2")
        String name;
        @Option(names = "--path", required = true, description = "where the device keeps it, e.g. var/db/baetyl/app-v2")
        String path;
        @Option(names = "--version", required = true, description = "the volume's (and for APP, the app's) version")
        String version;

        @Override
        public Integer call() throws Exception {
            OtaPublisher p = OtaPublisher.forServed(dir);
            OtaPublisher.Volume v = p.volume(name, path, version, source);
            p.pushOta(device, type, trace, version, v);
            System.out.println("pushed " + type + " OTA " + trace + " to " + device + ": " + v.url() + " md5 " + v.md5());
            return 0;
        }
    }

    @Command(name = "reports", mixinStandardHelpOptions = true,
            description = "Prints the device's last report (without hardware details) and its OTA traces.")
    static final class Reports implements Callable<Integer> {
        @Parameters(index = "0", description = "the directory the cloud serves from")
        Path dir;
        @Option(names = "--device", required = true)
        String device;

        @Override
        public Integer call() throws Exception {
            ObjectMapper json = new ObjectMapper();
            Path latest = dir.resolve("reports").resolve(device).resolve("latest.json");
            if (!latest.toFile().exists()) {
                System.out.println("no report from " + device + " yet");
                return 1;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> r = json.readValue(latest.toFile(), Map.class);
            r.remove("hardware");
            System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(r));
            Path ota = dir.resolve("reports").resolve(device).resolve("ota");
            java.io.File[] traces = ota.toFile().listFiles();
            if (traces != null) {
                for (java.io.File f : traces) {
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> recs = json.readValue(f, List.class);
                    System.out.println("ota " + f.getName().replace(".json", "") + ": "
                            + recs.stream().map(m -> m.get("step") + (m.get("error") != null ? " (" + m.get("error") + ")" : "")).toList());
                }
            }
            return 0;
        }
    }
}
