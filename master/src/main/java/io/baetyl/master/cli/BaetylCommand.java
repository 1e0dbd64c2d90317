package io.baetyl.master.cli;

import io.baetyl.master.runtime.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code baetyl}: the master's command line (start, check, version). */
@Command(name = "baetyl", mixinStandardHelpOptions = true,
        versionProvider = BaetylCommand.VersionProvider.class,
        description = "Baetyl for Java: the edge computing runtime's master.",
        subcommands = {StartCommand.class, CheckCommand.class, VersionCommand.class, HashPasswordCommand.class,
                CommandLine.HelpCommand.class})
public class BaetylCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new BaetylCommand()).execute(args));
    }

    static class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"baetyl " + Version.VERSION + " (git " + Version.REVISION + ")"};
        }
    }
}
