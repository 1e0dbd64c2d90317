package io.baetyl.master.cli;

import io.baetyl.master.security.PasswordHash;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code baetyl hash-password}: reads a password (from the terminal without echo, or the first line of standard
 * input) and prints its hash for conf.yml {@code console.users[].password}.
 */
@Command(name = "hash-password", mixinStandardHelpOptions = true,
        description = "Print the hash of a console user's password for conf.yml console.users[].password. "
                + "The password is read from the terminal (not echoed) or from the first line of standard input.")
class HashPasswordCommand implements Callable<Integer> {
    @Option(names = "--iterations", paramLabel = "N", description = "PBKDF2 iterations (default: ${DEFAULT-VALUE}).")
    int iterations = PasswordHash.DEFAULT_ITERATIONS;

    @Override
    public Integer call() throws IOException {
        if (iterations < PasswordHash.MIN_ITERATIONS || iterations > PasswordHash.MAX_ITERATIONS) {
            System.err.println("error: --iterations must be between " + PasswordHash.MIN_ITERATIONS + " and "
                    + PasswordHash.MAX_ITERATIONS);
            return 1;
        }
        String password;
        Console console = System.console();
        if (console != null) {
            char[] p = console.readPassword("password: ");
            password = p == null ? null : new String(p);
        } else {
            password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        if (password == null || password.isEmpty()) {
            System.err.println("error: empty password");
            return 1;
        }
        System.out.println(PasswordHash.create(password, iterations));
        return 0;
    }
}
