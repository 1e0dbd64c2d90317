package io.baetyl.master.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import io.baetyl.master.config.Resources;
import io.baetyl.master.config.ServiceSpec;
import io.baetyl.master.config.ServiceVolume;
import io.baetyl.master.engine.InstanceSpec;
import io.baetyl.master.engine.ServiceDefinition;
import io.baetyl.master.security.PathGuard;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance's container as the Docker engine creates it: binds (inside the working dir), the master API socket,
 * ports, devices, resources, network, labels that mark it as baetyl's, and the service's command.
 */
final class ContainerDefinition {
    private static final Logger log = LoggerFactory.getLogger(ContainerDefinition.class);

    private final DockerClient docker;
    private final PathGuard guard;
    private final Path workDir;
    private final Path apiSocket;
    private final boolean cfsQuota;

    /** @param apiSocket the master API's Unix socket, bound into every container; null when the API is on tcp */
    ContainerDefinition(DockerClient docker, PathGuard guard, Path workDir, Path apiSocket, boolean cfsQuota) {
        this.docker = docker;
        this.guard = guard;
        this.workDir = workDir;
        this.apiSocket = apiSocket;
        this.cfsQuota = cfsQuota;
    }

    /** The whole container definition of one instance. */
    CreateContainerCmd forInstance(InstanceSpec spec) {
        ServiceDefinition def = spec.service();
        ServiceSpec s = def.spec();
        List<Bind> binds = new ArrayList<>();
        for (int i = 0; i < s.volumes.size(); i++) {
            ServiceVolume v = s.volumes.get(i);
            binds.add(ContainerSpecs.bind(guard, v, def.volumes(), v.keyIn("services." + def.name(), i)));
        }
        if (apiSocket != null) {
            binds.add(Bind.parse(apiSocket + ":" + ContainerSpecs.SOCKET_IN_CONTAINER + ":ro"));
        }
        List<PortBinding> ports = ContainerSpecs.ports(s.ports);
        List<Device> devices = s.devices.stream().map(ContainerSpecs::device).toList();
        HostConfig host = HostConfig.newHostConfig()
                .withBinds(binds)
                .withPortBindings(ports)
                .withDevices(devices)
                .withRestartPolicy(DockerEngine.NO_RESTART);
        if (apiSocket == null) {
            // The API is on tcp: instances reach the host as host.docker.internal, which Linux does not define.
            host.withExtraHosts("host.docker.internal:host-gateway");
        }
        applyResources(host, s.resources, def.name());
        if (!s.runtime.isEmpty()) {
            host.withRuntime(s.runtime);
        }
        String networkMode;
        if (!s.networkMode.isEmpty()) {
            networkMode = s.networkMode;
        } else if (!s.networks.isEmpty()) {
            networkMode = new ArrayList<>(s.networks.keySet()).get(s.networks.size() - 1);
        } else {
            networkMode = DockerEngine.DEFAULT_NETWORK;
        }
        host.withNetworkMode(networkMode);
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(DockerEngine.LABEL_BAETYL, DockerEngine.LABEL_BAETYL);
        labels.put(DockerEngine.LABEL_SERVICE, def.name());
        labels.put(DockerEngine.LABEL_WORKDIR, workDir.toString());
        CreateContainerCmd cmd = docker.createContainerCmd(s.image)
                .withName(spec.name())
                .withEnv(ContainerSpecs.env(spec.env()))
                .withLabels(labels)
                .withExposedPorts(ports.stream().map(PortBinding::getExposedPort).distinct().toArray(ExposedPort[]::new))
                .withHostConfig(host);
        if (!s.hostname.isEmpty()) {
            cmd.withHostName(s.hostname);
        }
        if (!s.command.isEmpty()) {
            cmd.withCmd(s.command);
        }
        if (!s.networks.isEmpty()) {
            ServiceSpec.ServiceNetwork primary = s.networks.get(networkMode);
            if (primary != null && !primary.aliases.isEmpty()) {
                cmd.withAliases(primary.aliases);
            }
            if (primary != null && !primary.ipv4Address.isEmpty()) {
                cmd.withIpv4Address(primary.ipv4Address);
            }
        }
        return cmd;
    }

    private void applyResources(HostConfig host, Resources r, String service) {
        if (r.cpu.cpus > 0) {
            if (cfsQuota) {
                host.withNanoCPUs((long) (r.cpu.cpus * 1e9));
            } else {
                log.warn("service={}: resources.cpu.cpus ignored, the kernel has no CFS quota support", service);
            }
        }
        if (!r.cpu.setcpus.isEmpty()) {
            host.withCpusetCpus(r.cpu.setcpus);
        }
        if (r.memory.limit.bytes() > 0) {
            host.withMemory(r.memory.limit.bytes());
        }
        if (r.memory.swap.bytes() != 0) {
            host.withMemorySwap(r.memory.swap.bytes());
        }
        if (r.pids.limit > 0) {
            host.withPidsLimit(r.pids.limit);
        }
    }
}
