package io.baetyl.master.check;

import java.util.Map;

/**
 * The modules this project ships, by package (image) name, with what {@code baetyl check} knows of them: the config
 * class a Java module reads its {@code service.yml} into, or that it is a function runtime; and the names the Baetyl
 * docs use for modules this project does not ship, with a hint.
 */
final class KnownModules {
    /** A Java module: its package name and its config class (in the module's installed jar). */
    static final Map<String, String> JAVA_CONFIGS = Map.of(
            "baetyl-hub", "io.baetyl.hub.config.HubConfig",
            "baetyl-function-manager", "io.baetyl.function.manager.ManagerConfig",
            "baetyl-remote-mqtt", "io.baetyl.remote.RemoteMqttConfig",
            "baetyl-timer", "io.baetyl.timer.TimerConfig",
            "baetyl-agent", "io.baetyl.agent.AgentConfig",
            "baetyl-function-sql", "io.baetyl.function.sql.SqlConfig",
            "baetyl-remote-kafka", "io.baetyl.kafka.RemoteKafkaConfig",
            "baetyl-video-infer", "io.baetyl.video.VideoInferConfig");

    /** Function runtimes (Python, Node) under our names and the docs' ones; their config is a functions list. */
    static final java.util.Set<String> RUNTIMES = java.util.Set.of(
            "baetyl-function-python3", "baetyl-function-python36", "baetyl-function-python27",
            "baetyl-function-python2", "baetyl-function-node8", "baetyl-function-node85");

    /** Names the docs use that this project does not ship. */
    static final Map<String, String> NOT_SHIPPED = Map.of(
            "eclipse-mosquitto", "the docs' example of a Docker Hub image (chapter 17): run it in docker mode, or in "
                    + "native mode give it a package (a dir with package.yml, entry: a script that execs mosquitto)");
    /** Baetyl 0.x (OpenEdge) named its modules openedge-*; 1.x and this project baetyl-*. */
    static final String OPENEDGE = "openedge-";

    private KnownModules() {
    }

    static boolean shipped(String name) {
        return JAVA_CONFIGS.containsKey(name) || RUNTIMES.contains(name);
    }

    /** What to tell a user whose app names a package that is not there. */
    static String hintForMissing(String name) {
        if (name == null) {
            return "a native service needs a package dir with package.yml (entry: the program to run)";
        }
        String hint = NOT_SHIPPED.get(name);
        if (hint != null) {
            return hint;
        }
        if (name.startsWith(OPENEDGE)) {
            String renamed = "baetyl-" + name.substring(OPENEDGE.length());
            return "the Baetyl 0.x (OpenEdge) name" + (shipped(renamed) ? " of " + renamed + ": use image: " + renamed
                    : ": rename it baetyl-...");
        }
        if (shipped(name)) {
            return "this project's module; scripts/install.sh installs it (every module, and the docs' runtime names)";
        }
        return "install a package dir with package.yml (entry: the program to run) at var/db/baetyl/" + name
                + ", or mount one at the package path";
    }
}
