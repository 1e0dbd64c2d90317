package io.baetyl.master.cli;

import io.baetyl.master.runtime.Version;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code baetyl version}. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Show the version and git revision.")
class VersionCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("Version:      " + Version.VERSION);
        System.out.println("Git revision: " + Version.REVISION);
        System.out.println("Java version: " + System.getProperty("java.version"));
        return 0;
    }
}
