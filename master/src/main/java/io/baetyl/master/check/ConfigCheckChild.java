package io.baetyl.master.check;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link ChildJvmConfigChecker}: reads requests (four escaped lines each: jar, config class, file,
 * display name) from stdin until its end, checks them ({@link InProcessConfigChecker}) and prints
 * {@code BAETYL-CHECK <index> <escaped line>} per result line, then {@code BAETYL-CHECK-END <count>}. Loads no logging
 * (nothing but the protocol reaches stdout; what the modules' code prints goes to stderr).
 */
public final class ConfigCheckChild {
    static final String LINE = "BAETYL-CHECK ";
    static final String END = "BAETYL-CHECK-END ";

    private ConfigCheckChild() {
    }

    /** One line per field: backslashes and line breaks escaped. */
    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(n == 'n' ? '\n' : n == 'r' ? '\r' : n);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    public static void main(String[] args) throws IOException {
        List<ModuleConfigChecker.Request> requests = new ArrayList<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        List<String> fields = new ArrayList<>();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            fields.add(unescape(line));
            if (fields.size() == 4) {
                requests.add(new ModuleConfigChecker.Request(Path.of(fields.get(0)), fields.get(1), Path.of(fields.get(2)),
                        fields.get(3)));
                fields.clear();
            }
        }
        // The modules' code must not write to the protocol: whatever it prints goes to stderr.
        PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), false,
                StandardCharsets.UTF_8);
        System.setOut(System.err);
        List<List<String>> results = new InProcessConfigChecker().check(requests);
        for (int i = 0; i < results.size(); i++) {
            for (String l : results.get(i)) {
                protocol.println(LINE + i + " " + escape(l));
            }
        }
        protocol.println(END + results.size());
        protocol.flush();
    }
}
