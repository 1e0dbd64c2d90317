package io.baetyl.master.cli;

import io.baetyl.master.config.MasterConfig;
import io.baetyl.sdk.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code -w} and {@code -c}, shared by start and check. */
class WorkdirOptions {
    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR",
            description = "Working directory (default: the install prefix, i.e. the parent of bin/).")
    Path workdir;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = MasterConfig.DEFAULT_PATH,
            description = "Master config file, relative to the working directory (default: ${DEFAULT-VALUE}).")
    String config;

    Path workdir() {
        if (workdir != null) {
            return workdir.toAbsolutePath().normalize();
        }
        String home = System.getProperty("baetyl.home");
        return Path.of(home != null ? home : ".").toAbsolutePath().normalize();
    }

    Path configFile() {
        return workdir().resolve(config);
    }

    MasterConfig loadConfig() {
        linkOpenEdgeLayout(workdir());
        return ConfigLoader.loadOrDefault(configFile(), MasterConfig.class);
    }

    /**
     * Installs laid out by OpenEdge (Baetyl's former name) keep working: etc/openedge and var/db/openedge are
     * reached through baetyl-named links, as Baetyl 1.x does.
     */
    static void linkOpenEdgeLayout(Path workdir) {
        try {
            Path etcOld = workdir.resolve("etc/openedge");
            Path etcNew = workdir.resolve("etc/baetyl");
            if (Files.isDirectory(etcOld) && !Files.exists(etcNew)) {
                Files.createSymbolicLink(etcNew, Path.of("openedge"));
                Path conf = etcOld.resolve("conf.yml");
                if (!Files.exists(conf) && Files.exists(etcOld.resolve("openedge.yml"))) {
                    Files.createSymbolicLink(conf, Path.of("openedge.yml"));
                }
            }
            Path dbOld = workdir.resolve("var/db/openedge");
            Path dbNew = workdir.resolve("var/db/baetyl");
            if (Files.isDirectory(dbOld) && !Files.exists(dbNew)) {
                Files.createSymbolicLink(dbNew, Path.of("openedge"));
            }
        } catch (IOException e) {
            System.err.println("warning: cannot link the OpenEdge layout: " + e.getMessage());
        }
    }
}
