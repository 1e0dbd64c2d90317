package io.baetyl.master.cli;

import io.baetyl.master.config.MasterConfig;
import java.nio.file.Path;

/**
 * Reads the arguments of a plain {@code baetyl start} without picocli: {@code start}, then at most one each of
 * {@code -w}/{@code --workdir} and {@code -c}/{@code --config}, each followed by its value as a separate argument.
 * Anything else (help, other option forms such as {@code -w=DIR} or {@code -wDIR}, {@code @file} arguments, a value
 * that looks like an option, a repeated or unknown option) is left to picocli, which stays the command line's
 * definition; {@code PlainStartArgsTest} checks that both read the same options.
 *
 * <p>Why: picocli is compiled for Java 5, and Java 17 leaves classes older than Java 6 out of the dynamic
 * class-data-sharing archive the install makes for the master, so building its model for {@code start} read 172 of
 * its classes from the jar at every start and kept them, its model and their reflection data for the master's life.
 * Measured (docs/PERFORMANCE.md, "Eighth pass"): the master 1.9 MB less RSS and PSS; the start no faster beyond the
 * run-to-run spread (issue 18).
 */
final class PlainStartArgs {
    private PlainStartArgs() {
    }

    /** The options of a plain {@code start}, or null when picocli has to read these arguments. */
    static WorkdirOptions parse(String[] args) {
        if (args.length == 0 || !args[0].equals("start") || args.length % 2 == 0) {
            return null;
        }
        String workdir = null;
        String config = null;
        for (int i = 1; i < args.length; i += 2) {
            String name = args[i];
            String value = args[i + 1];
            if (value.startsWith("-") || value.startsWith("@")) {
                return null; // picocli reads these its own way (an option, an argument file)
            }
            if ((name.equals("-w") || name.equals("--workdir")) && workdir == null) {
                workdir = value;
            } else if ((name.equals("-c") || name.equals("--config")) && config == null) {
                config = value;
            } else {
                return null;
            }
        }
        WorkdirOptions options = new WorkdirOptions();
        options.workdir = workdir != null ? Path.of(workdir) : null;
        options.config = config != null ? config : MasterConfig.DEFAULT_PATH;
        return options;
    }
}
