package io.baetyl.master.engine.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.PortBinding;
import io.baetyl.master.config.ServiceVolume;
import io.baetyl.master.config.VolumeSpec;
import io.baetyl.master.security.PathGuard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerSpecsTest {
    @TempDir
    Path wd;

    @Test
    void bindSourcesStayInsideTheWorkdirAfterSymlinks() throws Exception {
        PathGuard guard = new PathGuard(wd);
        Map<String, VolumeSpec> none = Map.of();
        Bind ok = ContainerSpecs.bind(guard, new ServiceVolume("var/db/baetyl/localhub-conf", "/etc/baetyl", true), none, "k");
        assertThat(ok.getPath()).isEqualTo(wd.toRealPath().resolve("var/db/baetyl/localhub-conf").toString());
        assertThat(ContainerSpecs.bind(guard, new ServiceVolume("./a/./b/", "/x", false), none, "k").getPath())
                .isEqualTo(wd.toRealPath().resolve("a/b").toString());

        assertThatThrownBy(() -> ContainerSpecs.bind(guard, new ServiceVolume("/etc/passwd", "/x", false), none,
                "services.a.volumes[0].source"))
                .hasMessageStartingWith("services.a.volumes[0].source: '/etc/passwd' is an absolute path");
        assertThatThrownBy(() -> ContainerSpecs.bind(guard, new ServiceVolume("var/../../../x", "/x", false), none, "k"))
                .hasMessage("k: 'var/../../../x' leads outside the working dir");
        // A symlink a service planted in a writable volume does not take the bind outside.
        Files.createDirectories(wd.resolve("var/db/baetyl/data"));
        Files.createSymbolicLink(wd.resolve("var/db/baetyl/data/escape"), Path.of("/etc"));
        assertThatThrownBy(() -> ContainerSpecs.bind(guard, new ServiceVolume("var/db/baetyl/data/escape", "/x", false),
                none, "k")).hasMessageContaining("k: 'var/db/baetyl/data/escape' is outside the working dir")
                .hasMessageContaining("it resolves to /etc");
    }

    @Test
    void volumesBecomeBindsOrNamedVolumes() {
        PathGuard guard = new PathGuard(wd);
        Map<String, VolumeSpec> named = new LinkedHashMap<>();
        named.put("shared-data", new VolumeSpec());
        Bind hostDir = ContainerSpecs.bind(guard, new ServiceVolume("var/db/baetyl/conf", "etc/baetyl", true), named, "k");
        assertThat(hostDir.getPath()).endsWith("/var/db/baetyl/conf");
        assertThat(hostDir.getVolume().getPath()).isEqualTo("/etc/baetyl");
        assertThat(hostDir.getAccessMode()).isEqualTo(AccessMode.ro);

        Bind volume = ContainerSpecs.bind(guard, new ServiceVolume("shared-data", "/data", false), named, "k");
        assertThat(volume.getPath()).isEqualTo("shared-data");
        assertThat(volume.getAccessMode()).isEqualTo(AccessMode.rw);

        ServiceVolume undeclared = new ServiceVolume("nope", "/data", false);
        undeclared.type = "volume";
        assertThatThrownBy(() -> ContainerSpecs.bind(guard, undeclared, named, "k")).hasMessageContaining("'nope'");
        assertThatThrownBy(() -> ContainerSpecs.bind(guard, new ServiceVolume("", "/x", false), named, "k"))
                .hasMessageContaining("empty source");
    }

    @Test
    void portSpecs() {
        PortBinding simple = ContainerSpecs.port("1883:1883").get(0);
        assertThat(simple.getExposedPort().getPort()).isEqualTo(1883);
        assertThat(simple.getExposedPort().getProtocol()).isEqualTo(InternetProtocol.TCP);
        assertThat(simple.getBinding().getHostPortSpec()).isEqualTo("1883");
        assertThat(simple.getBinding().getHostIp()).isNull();

        PortBinding withIp = ContainerSpecs.port("127.0.0.1:18883:8883/tcp").get(0);
        assertThat(withIp.getBinding().getHostIp()).isEqualTo("127.0.0.1");
        assertThat(withIp.getBinding().getHostPortSpec()).isEqualTo("18883");
        assertThat(withIp.getExposedPort().getPort()).isEqualTo(8883);

        PortBinding udp = ContainerSpecs.port("5683/udp").get(0);
        assertThat(udp.getExposedPort().getProtocol()).isEqualTo(InternetProtocol.UDP);
        assertThat(udp.getBinding().getHostPortSpec()).isNull();

        PortBinding anyHostPort = ContainerSpecs.port("127.0.0.1::80").get(0);
        assertThat(anyHostPort.getBinding().getHostIp()).isEqualTo("127.0.0.1");
        assertThat(anyHostPort.getBinding().getHostPortSpec()).isNull();

        List<PortBinding> range = ContainerSpecs.port("8000-8002:9000-9002");
        assertThat(range).extracting(p -> p.getExposedPort().getPort()).containsExactly(9000, 9001, 9002);
        assertThat(range).extracting(p -> p.getBinding().getHostPortSpec()).containsExactly("8000", "8001", "8002");

        assertThat(ContainerSpecs.port("[::1]:1883:1883").get(0).getBinding().getHostIp()).isEqualTo("::1");
        assertThat(ContainerSpecs.ports(List.of("1883:1883", "8883:8883"))).hasSize(2);
    }

    @Test
    void badPortSpecsNameTheSpec() {
        assertThatThrownBy(() -> ContainerSpecs.port("abc")).hasMessageContaining("port 'abc'");
        assertThatThrownBy(() -> ContainerSpecs.port("1:2:3:4")).hasMessageContaining("'1:2:3:4'");
        assertThatThrownBy(() -> ContainerSpecs.port("70000:1")).hasMessageContaining("invalid host port '70000'");
        assertThatThrownBy(() -> ContainerSpecs.port("1883/sctpx")).hasMessageContaining("unknown protocol");
        assertThatThrownBy(() -> ContainerSpecs.port("8000-8002:9000-9001")).hasMessageContaining("differ in length");
        assertThatThrownBy(() -> ContainerSpecs.port("9-1")).hasMessageContaining("ends before it starts");
    }

    @Test
    void devices() {
        Device d = ContainerSpecs.device("/dev/video0");
        assertThat(d.getPathOnHost()).isEqualTo("/dev/video0");
        assertThat(d.getPathInContainer()).isEqualTo("/dev/video0");
        assertThat(d.getcGroupPermissions()).isEqualTo("mrw");

        Device mapped = ContainerSpecs.device("/dev/ttyUSB0:/dev/tty0:rw");
        assertThat(mapped.getPathInContainer()).isEqualTo("/dev/tty0");
        assertThat(mapped.getcGroupPermissions()).isEqualTo("rw");

        assertThat(ContainerSpecs.device("/dev/sda:/dev/xvda").getcGroupPermissions()).isEqualTo("mrw");
        assertThat(ContainerSpecs.device("/dev/sda:r").getPathInContainer()).isEqualTo("/dev/sda");
        assertThat(ContainerSpecs.device("/dev/sda:r").getcGroupPermissions()).isEqualTo("r");
        assertThatThrownBy(() -> ContainerSpecs.device("/dev/sda:/dev/sda:x")).hasMessageContaining("permissions");
        assertThatThrownBy(() -> ContainerSpecs.device("")).hasMessageContaining("device ''");
        // Devices are the one kind of host path outside the working dir, and only device nodes.
        assertThatThrownBy(() -> ContainerSpecs.device("/etc/shadow:/dev/x"))
                .hasMessage("device '/etc/shadow:/dev/x': the host path must be a device under /dev, got '/etc/shadow'");
        assertThatThrownBy(() -> ContainerSpecs.device("/dev/../etc/shadow")).hasMessageContaining("under /dev");
        assertThatThrownBy(() -> ContainerSpecs.device("dev/sda")).hasMessageContaining("under /dev");
    }

    @Test
    void envIsExactlyTheInstanceVariables() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("A", "1");
        env.put("BAETYL_SERVICE_NAME", "localhub");
        env.put("EMPTY", null);
        List<String> out = ContainerSpecs.env(env);
        assertThat(out).containsExactly("A=1", "BAETYL_SERVICE_NAME=localhub", "EMPTY=");
        String hostOnly = System.getenv().keySet().stream().filter(k -> !env.containsKey(k)).findFirst().orElse("PATH");
        assertThat(out).noneMatch(e -> e.startsWith(hostOnly + "="));
    }
}
