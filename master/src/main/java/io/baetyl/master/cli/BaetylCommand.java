package io.baetyl.master.cli;

import io.baetyl.master.runtime.Version;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code baetyl}: the master's command line (start, check, version). */
@Command(name = "baetyl", mixinStandardHelpOptions = true,
        versionProvider = BaetylCommand.VersionProvider.class,
        description = "Baetyl for Java: the edge computing runtime's master.")
public class BaetylCommand implements Runnable {
    /**
     * The subcommands' names. Each is made and added on demand: picocli reads a command's annotations by reflection
     * when it is added, which at every {@code baetyl start} cost about a quarter of a second of CPU for the four it
     * did not run.
     */
    static final List<String> SUBCOMMANDS = List.of("start", "check", "version", "hash-password", "help");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        WorkdirOptions plainStart = PlainStartArgs.parse(args);
        System.exit(plainStart != null ? StartCommand.run(plainStart) : commandLine(args).execute(args));
    }

    /**
     * The command line for {@code args}: with only the subcommand they name when they name one (other than help),
     * else with all of them, so that usage, {@code help} and the errors of a mistyped command list every one.
     */
    static CommandLine commandLine(String[] args) {
        CommandLine cl = new CommandLine(new BaetylCommand());
        String first = args.length > 0 ? args[0] : "";
        if (SUBCOMMANDS.contains(first) && !first.equals("help")) {
            cl.addSubcommand(subcommand(first));
        } else {
            for (String name : SUBCOMMANDS) {
                cl.addSubcommand(subcommand(name));
            }
        }
        return cl;
    }

    private static Object subcommand(String name) {
        switch (name) {
            case "start":
                return new StartCommand();
            case "check":
                return new CheckCommand();
            case "version":
                return new VersionCommand();
            case "hash-password":
                return new HashPasswordCommand();
            default:
                return new CommandLine.HelpCommand();
        }
    }

    static class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"baetyl " + Version.VERSION + " (git " + Version.REVISION + ")"};
        }
    }
}
