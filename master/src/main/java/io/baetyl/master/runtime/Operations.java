package io.baetyl.master.runtime;

import io.baetyl.master.config.AppConfig;
import io.baetyl.master.config.AppConfigLoader;
import io.baetyl.master.config.AppPaths;
import io.baetyl.master.config.MasterConfig;
import io.baetyl.master.config.ServiceSpec;
import io.baetyl.master.config.VolumeSpec;
import io.baetyl.master.engine.EngineException;
import io.baetyl.master.security.AccessPolicy;
import io.baetyl.master.security.LogSafe;
import io.baetyl.master.security.PathGuard;
import io.baetyl.sdk.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the operator's views (the web console, {@code /metrics}) may read of the running master, and the two things
 * the console may do: restart a replica and apply an application.yml. Both actions go the way the REST API's do
 * (the same supervised restart; the same queued, confined OTA with its rollback); who may do them is decided by
 * the caller with {@link #policy()} or its own rules. Created only when the console or the metrics are on.
 */
public final class Operations {
    private static final Logger log = LoggerFactory.getLogger(Operations.class);
    /** Where console uploads of application.yml are kept for the update to read; the newest few stay. */
    static final String UPLOADS = "var/db/baetyl/console-updates";
    static final int KEEP_UPLOADS = 5;

    private final Master master;
    private final AccessPolicy policy;
    private final Inspector inspector;

    /** A supervised instance: its name, status, whether it is a replica, and its restarts since it was created. */
    public record InstanceFacts(String name, String status, boolean replica, long restartsTotal) {
    }

    /**
     * A running service as the operator sees it: its definition and its instances. {@code stats} are the inspect
     * view of each instance (reported keys, master keys, live cpu/mem), {@code reportTimes} when each last reported.
     */
    public record ServiceView(String name, ServiceSpec spec, Map<String, VolumeSpec> volumes,
                              List<InstanceFacts> instances, List<Map<String, Object>> stats,
                              Map<String, Long> reportTimes) {
    }

    Operations(Master master, AccessPolicy policy) {
        this.master = master;
        this.policy = policy;
        this.inspector = new Inspector(master);
    }

    public Path workDir() {
        return master.workDir();
    }

    public PathGuard guard() {
        return master.guard();
    }

    public MasterConfig config() {
        return master.config();
    }

    /** The REST API's rules for a service token. */
    public AccessPolicy policy() {
        return policy;
    }

    /** The inspect document, as {@code GET /v1/system/inspect} returns it. */
    public Map<String, Object> inspect() {
        return inspector.inspect();
    }

    /** Whether {@code token} is the current token of running service {@code service}. */
    public boolean authenticateService(String service, String token) {
        return master.services().authenticate(service, token);
    }

    /** Every running service, sorted by name. */
    public List<ServiceView> services() {
        List<ServiceView> out = new ArrayList<>();
        master.services().all().stream().sorted(Comparator.comparing(ServiceRunner::name)).forEach(s -> out.add(
                new ServiceView(s.name(), s.definition().spec(), s.definition().volumes(), s.instanceFacts(),
                        s.instanceStats(), master.stats().reportTimes(s.name()))));
        return out;
    }

    /** One instance's value of a reported key, and when it last reported (epoch millis). */
    public record Reported(String service, String instance, long reportedAt, Object value) {
    }

    /** Every instance's reported value of {@code key} (e.g. the hub's {@code broker_stats}); cheap, no /proc reads. */
    public List<Reported> reported(String key) {
        List<Reported> out = new ArrayList<>();
        for (ServiceRunner s : master.services().all()) {
            Map<String, Long> times = master.stats().reportTimes(s.name());
            master.stats().service(s.name()).forEach((instance, view) -> {
                Object v = view.get(key);
                if (v != null) {
                    out.add(new Reported(s.name(), instance, times.getOrDefault(instance, 0L), v));
                }
            });
        }
        return out;
    }

    /**
     * Restarts a supervised replica the way the API's start does: stop (grace, then kill), start again with the
     * service token. Whether the caller may is the caller's check.
     *
     * @throws IllegalArgumentException when the service or the replica does not exist
     */
    public void restartReplica(String service, String instance) throws EngineException {
        ServiceRunner s = master.services().get(service);
        if (!s.isReplica(instance)) {
            throw new IllegalArgumentException("instance (" + LogSafe.q(instance) + ") is not a replica of service ("
                    + LogSafe.q(service) + "); only replicas can be restarted here");
        }
        s.startInstance(instance, null);
    }

    /**
     * Applies an application.yml given as text: checks it first (YAML, keys, names, dependencies, paths inside the
     * working dir) and refuses it with the error when it is bad, so nothing is stopped; otherwise saves it under
     * {@value #UPLOADS} and queues it as an APP update, exactly as {@code PUT /v1/system/update} would (backup,
     * rollback, {@code ota.log}).
     *
     * @throws IllegalArgumentException the reason it was refused; nothing was changed
     */
    public void applyApplication(String trace, byte[] yaml) throws IOException {
        if (yaml.length == 0) {
            throw new IllegalArgumentException("application.yml is empty");
        }
        if (yaml.length > Ota.MAX_APP_FILE_BYTES) {
            throw new IllegalArgumentException("application.yml is " + yaml.length + " bytes, more than the "
                    + Ota.MAX_APP_FILE_BYTES + " bytes an update may have");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(yaml)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("application.yml is not UTF-8 text");
        }
        try {
            AppConfig app = AppConfigLoader.parse(text, "application.yml");
            AppPaths.check(app, master.guard());
        } catch (ConfigException | IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().startsWith("application.yml")
                    ? e.getMessage() : "application.yml: " + e.getMessage(), e);
        }
        Path dir = master.guard().resolve("console uploads", UPLOADS);
        Files.createDirectories(dir);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(UPLOADS + " is not a directory");
        }
        Path file = dir.resolve("application-" + trace + ".yml");
        Files.write(file, yaml, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        pruneUploads(dir);
        master.ota().submit(trace, "APP", master.workDir().relativize(file).toString());
    }

    private static void pruneUploads(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> uploads = files.filter(p -> p.getFileName().toString().startsWith("application-"))
                    .sorted(Comparator.comparing(Operations::modified).reversed()).toList();
            for (Path old : uploads.subList(Math.min(KEEP_UPLOADS, uploads.size()), uploads.size())) {
                Files.deleteIfExists(old);
            }
        } catch (IOException e) {
            log.warn("cannot prune console uploads in {}: {}", dir, e.toString());
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    /** The OTA log file (conf.yml {@code otalog.path}, resolved). */
    public Path otaLogFile() {
        return master.ota().otaLogFile();
    }

    /** The error of the last failed update, or empty. */
    public String lastUpdateError() {
        return master.ota().lastError();
    }

    public String confVersion() {
        return master.ota().confVersion();
    }

    public OtaStepCounts otaSteps() {
        return master.ota().stepCounts();
    }
}
