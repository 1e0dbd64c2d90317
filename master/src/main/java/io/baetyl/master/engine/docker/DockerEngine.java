package io.baetyl.master.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.RemoteApiVersion;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import io.baetyl.master.config.AppConfig;
import io.baetyl.master.config.MasterConfig;
import io.baetyl.master.config.ServiceSpec;
import io.baetyl.master.config.ServiceVolume;
import io.baetyl.master.engine.Engine;
import io.baetyl.master.engine.EngineException;
import io.baetyl.master.engine.Instance;
import io.baetyl.master.engine.InstanceSpec;
import io.baetyl.master.engine.ServiceDefinition;
import io.baetyl.master.security.LogSafe;
import io.baetyl.master.security.PathGuard;
import io.baetyl.sdk.config.ConfigException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs instances as Docker containers through docker-java, the way Baetyl's docker engine does: images pulled on
 * prepare, every container on the {@code baetyl} bridge network (or the service's networks), named after its
 * instance, labelled {@code baetyl=baetyl} and {@code service=<svc>}, with binds under the working dir, the master
 * socket at /var/run/baetyl.sock, restart policy "no" (the master supervises) and the service's resource limits.
 *
 * <p>Beyond Baetyl, containers also carry {@code baetyl.workdir=<working dir>}, so that recovery after a crash
 * removes what this install left behind without touching the containers of another install on the same host.
 */
public class DockerEngine implements Engine {
    private static final Logger log = LoggerFactory.getLogger(DockerEngine.class);

    static final String LABEL_BAETYL = "baetyl";
    static final String LABEL_SERVICE = "service";
    static final String LABEL_WORKDIR = "baetyl.workdir";
    static final String DEFAULT_NETWORK = "baetyl";
    static final String DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

    /**
     * Restart policy "no", spelled out as Baetyl sends it (docker-java's noRestart() sends an empty name, which
     * docker treats the same but shows as "" in docker inspect).
     */
    static final RestartPolicy NO_RESTART = new com.fasterxml.jackson.databind.ObjectMapper()
            .convertValue(Map.of("Name", "no", "MaximumRetryCount", 0), RestartPolicy.class);

    private final DockerClient docker;
    private final String dockerHost;
    private final Path workDir;
    private final PathGuard guard;
    private final Path apiSocket;
    private final Duration grace;
    private final boolean cfsQuota;
    private final ContainerDefinition containers;
    /**
     * For the blocking docker calls run in parallel (pulls, recovery, removals): not the common pool, which has a
     * single thread on a two-core device.
     */
    private final ExecutorService io = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "docker-io");
        t.setDaemon(true);
        return t;
    });

    /**
     * Connects to the daemon at {@code $DOCKER_HOST} (default {@value #DEFAULT_DOCKER_HOST}).
     *
     * @throws ConfigException when the daemon is unreachable or speaks an API older than {@code apiVersion}
     */
    public DockerEngine(String apiVersion, Path workDir, Path apiSocket, Duration grace) {
        this(dockerHostFromEnv(), apiVersion, workDir, apiSocket, grace);
    }

    DockerEngine(String dockerHost, String apiVersion, Path workDir, Path apiSocket, Duration grace) {
        this.dockerHost = dockerHost;
        this.workDir = workDir.toAbsolutePath().normalize();
        this.guard = new PathGuard(this.workDir);
        this.apiSocket = apiSocket;
        this.grace = grace;
        checkDaemon(dockerHost, apiVersion);
        this.docker = client(dockerHost, parse(apiVersion));
        Boolean cfs = null;
        try {
            cfs = docker.infoCmd().exec().getCpuCfsQuota();
        } catch (RuntimeException e) {
            log.warn("cannot read docker info: {}", e.toString());
        }
        this.cfsQuota = cfs == null || cfs;
        this.containers = new ContainerDefinition(docker, guard, this.workDir, apiSocket, cfsQuota);
        log.info("docker engine ready: host={} api_version={} cfs_quota={}", dockerHost, apiVersion, cfsQuota);
    }

    static String dockerHostFromEnv() {
        String env = System.getenv("DOCKER_HOST");
        return env == null || env.isBlank() ? DEFAULT_DOCKER_HOST : env;
    }

    private static DockerClient client(String dockerHost, RemoteApiVersion version) {
        DockerClientConfig cfg = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(dockerHost)
                .withApiVersion(version)
                .build();
        DockerHttpClient http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(URI.create(dockerHost))
                .sslConfig(cfg.getSSLConfig())
                .connectionTimeout(Duration.ofSeconds(5))
                // Each container holds up to three streams (wait, output, stats): room for hundreds of instances.
                .maxConnections(2048)
                .build();
        return DockerClientImpl.getInstance(cfg, http);
    }

    /**
     * Asks the daemon its version without pinning one (a pinned request to an older daemon fails with a less
     * helpful message), then compares it with {@code docker.api_version}.
     */
    static void checkDaemon(String dockerHost, String apiVersion) {
        RemoteApiVersion wanted = parse(apiVersion);
        if (wanted == null) {
            throw new ConfigException("docker.api_version: invalid version '" + apiVersion + "' (expected e.g. 1.38)");
        }
        Version v;
        try (DockerClient probe = client(dockerHost, RemoteApiVersion.unknown())) {
            v = probe.versionCmd().exec();
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("mode docker: cannot reach the docker daemon at " + dockerHost
                    + " (is dockerd running, and may this user use its socket?): " + rootMessage(e));
        }
        RemoteApiVersion max = parse(v.getApiVersion());
        if (max != null && !max.isGreaterOrEqual(wanted)) {
            throw new ConfigException("docker.api_version: the docker daemon at " + dockerHost + " (Docker "
                    + v.getVersion() + ") speaks API " + v.getApiVersion() + " at most, older than docker.api_version "
                    + apiVersion + "; upgrade Docker or set docker.api_version in " + MasterConfig.DEFAULT_PATH);
        }
        RemoteApiVersion min = parse(v.getMinAPIVersion());
        if (min != null && !wanted.isGreaterOrEqual(min)) {
            throw new ConfigException("docker.api_version: " + apiVersion + " is older than the oldest API ("
                    + v.getMinAPIVersion() + ") the docker daemon at " + dockerHost + " accepts");
        }
    }

    /** A version like 1.38, or null when absent or malformed. */
    static RemoteApiVersion parse(String version) {
        if (version == null || !version.trim().matches("\\d+\\.\\d+")) {
            return null;
        }
        return RemoteApiVersion.parseConfig(version.trim());
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    @Override
    public String name() {
        return "docker";
    }

    /** Pulls every image, creates the networks and named volumes, all in parallel; failures are logged only. */
    @Override
    public void prepare(AppConfig app) {
        DockerAppSetup setup = new DockerAppSetup(docker);
        List<CompletableFuture<Void>> work = new ArrayList<>();
        new LinkedHashSet<>(app.services.values().stream().map(s -> s.image).toList())
                .forEach(image -> work.add(CompletableFuture.runAsync(() -> setup.pull(image), io)));
        work.add(CompletableFuture.runAsync(() -> setup.initNetworks(app.networks), io));
        work.add(CompletableFuture.runAsync(() -> setup.initVolumes(app.volumes), io));
        CompletableFuture.allOf(work.toArray(CompletableFuture[]::new)).join();
    }

    @Override
    public void setupService(ServiceDefinition service) throws EngineException {
        ServiceSpec spec = service.spec();
        if (!spec.networkMode.isEmpty() && !spec.networks.isEmpty()) {
            throw new EngineException("service " + service.name() + ": network_mode and networks cannot be used together");
        }
        try {
            for (int i = 0; i < spec.volumes.size(); i++) {
                ServiceVolume v = spec.volumes.get(i);
                ContainerSpecs.bind(guard, v, service.volumes(), v.keyIn("services." + service.name(), i));
            }
            ContainerSpecs.ports(spec.ports);
            spec.devices.forEach(ContainerSpecs::device);
        } catch (IllegalArgumentException e) {
            throw new EngineException("service " + service.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void teardownService(String serviceName) {
        // Containers are removed as their instances stop; a service has nothing else on the host.
    }

    @Override
    public Instance start(InstanceSpec spec) throws EngineException {
        String svc = spec.service().name();
        String name = spec.name();
        CreateContainerCmd create;
        try {
            create = containerFor(spec);
        } catch (IllegalArgumentException e) {
            throw new EngineException("service " + svc + ": " + e.getMessage(), e);
        }
        String id;
        try {
            id = createAndStart(spec, create);
        } catch (DockerException | EngineException first) {
            // As Baetyl does: a leftover container of the same name (ours) is removed, then one more try.
            log.warn("failed to start instance={} of service={}, retrying once: {}", name, svc, LogSafe.q(rootMessage(first)));
            removeOurContainerNamed(name, svc);
            try {
                id = createAndStart(spec, containerFor(spec));
            } catch (DockerException e) {
                throw new EngineException("service " + svc + ": cannot start container " + name + ": " + rootMessage(e), e);
            }
        } catch (RuntimeException e) {
            throw new EngineException("service " + svc + ": cannot start container " + name + " (docker at " + dockerHost
                    + "): " + rootMessage(e), e);
        }
        DockerInstance inst = new DockerInstance(docker, svc, name, id, io);
        inst.watch();
        log.info("instance started: service={} instance={} cid={} image={}", svc, name, inst.shortId(),
                LogSafe.q(spec.service().spec().image));
        return inst;
    }

    private String createAndStart(InstanceSpec spec, CreateContainerCmd create) throws EngineException {
        ServiceSpec s = spec.service().spec();
        CreateContainerResponse created;
        try {
            created = create.exec();
        } catch (NotFoundException e) {
            throw new EngineException("service " + spec.service().name() + ": image " + s.image
                    + " not found (not pulled and not built locally; see scripts/build-images.sh)", e);
        }
        String id = created.getId();
        try {
            // The primary network came with the create; the others are joined before the start, as Baetyl does.
            List<String> nets = new ArrayList<>(s.networks.keySet());
            for (int i = 0; i < nets.size() - 1; i++) {
                ServiceSpec.ServiceNetwork n = s.networks.get(nets.get(i));
                docker.connectToNetworkCmd().withNetworkId(nets.get(i)).withContainerId(id)
                        .withContainerNetwork(endpoint(n)).exec();
            }
            docker.startContainerCmd(id).exec();
            return id;
        } catch (RuntimeException e) {
            DockerInstance.stopAndRemove(docker, id, Duration.ZERO);
            throw e;
        }
    }

    private static ContainerNetwork endpoint(ServiceSpec.ServiceNetwork n) {
        ContainerNetwork cn = new ContainerNetwork();
        if (n != null && !n.aliases.isEmpty()) {
            cn.withAliases(n.aliases);
        }
        if (n != null && !n.ipv4Address.isEmpty()) {
            cn.withIpamConfig(new ContainerNetwork.Ipam().withIpv4Address(n.ipv4Address));
        }
        return cn;
    }

    /** The whole container definition of one instance. */
    CreateContainerCmd containerFor(InstanceSpec spec) {
        return containers.forInstance(spec);
    }

    /** Removes a container of that name if baetyl created it; a stranger's container is left alone (and the start fails). */
    private void removeOurContainerNamed(String name, String svc) {
        List<Container> found = docker.listContainersCmd().withShowAll(true).withNameFilter(List.of(name)).exec();
        for (Container c : found) {
            boolean exact = c.getNames() != null && List.of(c.getNames()).contains("/" + name);
            if (!exact) {
                continue;
            }
            Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
            if (LABEL_BAETYL.equals(labels.get(LABEL_BAETYL))) {
                log.info("removing leftover container name={} id={} of service={}", name, c.getId(),
                        LogSafe.q(labels.get(LABEL_SERVICE)));
                DockerInstance.stopAndRemove(docker, c.getId(), Duration.ZERO);
            } else {
                log.error("container name {} is taken by a container baetyl did not create (id={}); service={} cannot start",
                        name, c.getId(), svc);
            }
        }
    }

    /**
     * Removes what a previous master left: the containers recorded in its stats that carry our label, and every
     * container labelled {@code baetyl=baetyl} for this working dir (started but not yet recorded when it died).
     */
    @Override
    public void recover(Map<String, Map<String, Map<String, Object>>> recorded) {
        Set<String> ids = new LinkedHashSet<>();
        recorded.forEach((svc, instances) -> instances.forEach((name, info) -> {
            if (info.get("container") instanceof Map<?, ?> c && c.get("id") instanceof String id && !id.isEmpty()) {
                ids.add(id);
            }
        }));
        Map<String, Container> orphans = new LinkedHashMap<>();
        try {
            for (Container c : docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(LABEL_BAETYL, LABEL_BAETYL)).exec()) {
                String wd = c.getLabels() == null ? null : c.getLabels().get(LABEL_WORKDIR);
                if (ids.contains(c.getId()) || workDir.toString().equals(wd)) {
                    orphans.put(c.getId(), c);
                }
            }
        } catch (RuntimeException e) {
            log.error("cannot list containers to recover: {}", LogSafe.q(rootMessage(e)));
            return;
        }
        CompletableFuture.allOf(orphans.values().stream().map(c -> CompletableFuture.runAsync(() -> {
            String name = c.getNames() != null && c.getNames().length > 0 ? c.getNames()[0].replaceFirst("^/", "") : c.getId();
            log.info("removing orphan container name={} id={} of service={} left by a previous master", LogSafe.q(name),
                    c.getId().substring(0, Math.min(12, c.getId().length())),
                    LogSafe.q(c.getLabels() == null ? "" : c.getLabels().get(LABEL_SERVICE)));
            DockerInstance.stopAndRemove(docker, c.getId(), grace);
        }, io)).toArray(CompletableFuture[]::new)).join();
    }

    @Override
    public String masterApiAddressForInstances(String configuredAddress) {
        return apiAddressInContainers(configuredAddress);
    }

    /**
     * The socket is bound at /var/run/baetyl.sock in every container; a tcp API is reached through the host
     * gateway, which containers know as host.docker.internal (mapped by {@link #containerFor}).
     */
    static String apiAddressInContainers(String configuredAddress) {
        if (configuredAddress.startsWith("unix://")) {
            return "unix://" + ContainerSpecs.SOCKET_IN_CONTAINER;
        }
        URI uri = URI.create(configuredAddress);
        if ("localhost".equals(uri.getHost()) || (uri.getHost() != null && uri.getHost().startsWith("127."))) {
            log.warn("server.address {} listens on loopback only; containers cannot reach it as host.docker.internal "
                    + "(listen on 0.0.0.0 or use a unix socket)", LogSafe.q(configuredAddress));
        }
        return "tcp://host.docker.internal:" + uri.getPort();
    }

    @Override
    public void close() {
        io.shutdown();
        try {
            docker.close();
        } catch (IOException e) {
            log.debug("closing docker client: {}", e.toString());
        }
    }
}
