package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The real launcher starts a native app: order, names, env, argv, working dir, volumes, SIGTERM. */
class StartIT extends MasterITBase {
    @Test
    void servicesStartInListOrderWithTheirNamesEnvArgsAndVolumes() throws Exception {
        baetyl.write("var/db/baetyl/sn", "SN-0042\n");
        baetyl.conf("""
                mode: native
                grace: 2s
                snfile: var/db/baetyl/sn
                server: {address: unix://var/run/baetyl.sock}
                logger: {path: var/log/baetyl/baetyl.log, level: debug}
                """);
        baetyl.app("""
                version: v0
                services:
                  - name: zeta
                    image: recorder
                    replica: 1
                    args: ['-c', 'etc/baetyl/service.yml']
                    env: {GREETING: hello}
                    mounts:
                      - {name: zeta-conf, path: etc/baetyl, readonly: true}
                      - {name: pkg, path: lib/baetyl/recorder, readonly: true}
                  - name: alpha
                    image: recorder
                    replica: 2
                    mounts:
                      - {name: pkg, path: lib/baetyl/recorder, readonly: true}
                volumes:
                  - {name: zeta-conf, path: var/db/baetyl/zeta-conf}
                  - {name: pkg, path: var/db/baetyl/recorder}
                """);
        baetyl.write("var/db/baetyl/zeta-conf/service.yml", "hello: world\n");
        baetyl.start();

        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.events().size() >= 3);
        List<String> started = baetyl.events().stream().filter(e -> e[0].equals("start")).map(e -> e[1]).toList();
        assertThat(started).containsExactlyInAnyOrder("zeta", "alpha", "alpha.i1");
        // The order the master started them in is its log's: two replicas' scripts may record their start in either
        // order on a loaded machine, the master's start order is fixed.
        List<String> order = baetyl.output().lines().filter(l -> l.contains("instance started: "))
                .map(l -> l.replaceAll(".* instance=(\\S+) .*", "$1")).toList();
        assertThat(order).containsExactly("zeta", "alpha", "alpha.i1");

        Map<String, String> env = baetyl.envOf("zeta");
        assertThat(env).containsEntry("GREETING", "hello")
                .containsEntry("BAETYL_SERVICE_NAME", "zeta")
                .containsEntry("OPENEDGE_SERVICE_NAME", "zeta")
                .containsEntry("BAETYL_SERVICE_INSTANCE_NAME", "zeta")
                .containsEntry("BAETYL_SERVICE_MODE", "native")
                .containsEntry("OPENEDGE_RUNNING_MODE", "native")
                .containsEntry("BAETYL_MASTER_API_ADDRESS", "unix://var/run/baetyl.sock")
                .containsEntry("OPENEDGE_MASTER_API", "unix://var/run/baetyl.sock")
                .containsEntry("BAETYL_MASTER_API_SOCKET", baetyl.home.resolve("var/run/baetyl.sock").toString())
                .containsEntry("BAETYL_MASTER_API_VERSION", "v1")
                .containsEntry("BAETYL_HOST_OS", "linux")
                .containsEntry("BAETYL_HOST_SN", "SN-0042")
                .containsKey("BAETYL_HOST_ID")
                .containsKey("PATH"); // native instances inherit the host env
        assertThat(env.get("BAETYL_SERVICE_TOKEN")).isNotBlank().isEqualTo(env.get("OPENEDGE_SERVICE_TOKEN"));
        assertThat(baetyl.envOf("alpha").get("BAETYL_SERVICE_TOKEN")).isNotEqualTo(env.get("BAETYL_SERVICE_TOKEN"));
        assertThat(baetyl.envOf("alpha.i1")).containsEntry("BAETYL_SERVICE_INSTANCE_NAME", "alpha.i1")
                .containsEntry("OPENEDGE_SERVICE_INSTANCE_NAME", "alpha.i1");

        assertThat(Files.readAllLines(baetyl.records.resolve("zeta.args"))).containsExactly("-c", "etc/baetyl/service.yml");
        Path serviceDir = baetyl.home.resolve("var/run/baetyl/services/zeta");
        assertThat(Files.readString(baetyl.records.resolve("zeta.cwd")).trim()).isEqualTo(serviceDir.toString());
        // Volumes are symlinks into the working dir; the socket is linked where the env says.
        assertThat(Files.readString(serviceDir.resolve("etc/baetyl/service.yml"))).isEqualTo("hello: world\n");
        assertThat(Files.isSymbolicLink(serviceDir.resolve("etc/baetyl"))).isTrue();
        assertThat(Files.isSymbolicLink(serviceDir.resolve("var/run/baetyl.sock"))).isTrue();
        assertThat(Files.readSymbolicLink(serviceDir.resolve("var/run/baetyl.sock")))
                .isEqualTo(baetyl.home.resolve("var/run/baetyl.sock"));

        assertThat(baetyl.stop()).isZero();
        assertThat(baetyl.events("exit", "zeta")).hasSize(1);
        assertThat(baetyl.events("exit", "alpha.i1")).hasSize(1);
        assertThat(Files.exists(serviceDir)).isFalse();
        assertThat(baetyl.output()).contains("master stopped");
    }

    @Test
    void argvZeroIsTheInstanceName() throws Exception {
        // A binary entry shows argv[0]; a script's interpreter would replace it. The entry is a copy: an entry must
        // be a file inside its package, so a symlink to /bin/sleep would be refused.
        Path pkg = baetyl.home.resolve("var/db/baetyl/sleeper");
        Files.createDirectories(pkg.resolve("bin"));
        Files.copy(Path.of("/bin/sleep"), pkg.resolve("bin/sleep"));
        Files.writeString(pkg.resolve("package.yml"), "entry: bin/sleep\n");
        baetyl.app("""
                services:
                  - name: napper
                    image: sleeper
                    replica: 1
                    args: ['300']
                    mounts: [{name: pkg, path: lib/baetyl/sleeper, readonly: true}]
                volumes:
                  - {name: pkg, path: var/db/baetyl/sleeper}
                """);
        baetyl.start();
        long pid = awaitChild("napper");
        String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ').trim();
        assertThat(cmdline).isEqualTo("napper 300");
        assertThat(baetyl.stop()).isZero();
        assertThat(MasterHarness.alive(pid)).isFalse();
    }

    private long awaitChild(String argv0) {
        return await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.master().toHandle().descendants()
                .filter(p -> p.info().arguments().isPresent() || p.info().command().isPresent())
                .filter(p -> readCmdline(p.pid()).startsWith(argv0 + " "))
                .map(ProcessHandle::pid).findFirst().orElse(-1L), pid -> pid > 0);
    }

    private static String readCmdline(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
        } catch (Exception e) {
            return "";
        }
    }
}
