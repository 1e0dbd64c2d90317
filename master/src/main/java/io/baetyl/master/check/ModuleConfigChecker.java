package io.baetyl.master.check;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Checks module config files with each module's own config class ({@link io.baetyl.sdk.config.ConfigCheck}, loaded
 * from the module's installed jar): in this JVM ({@link InProcessConfigChecker}, for {@code baetyl check}, which
 * exits) or in a short-lived child JVM ({@link ChildJvmConfigChecker}, for the running master, which then never loads
 * the modules' classes).
 */
public interface ModuleConfigChecker {
    /** One file to check: {@code file} as {@code configClass} of {@code jar}; {@code display} names it in messages. */
    record Request(Path jar, String configClass, Path file, String display) {
        // Written out: a record's generated equals and hashCode are bootstrapped through invokedynamic at their first
        // call, about 20 ms of every master start (a CPU profile of the start, issue 18); these are plain calls.
        @Override
        public boolean equals(Object o) {
            return o instanceof Request r && Objects.equals(jar, r.jar)
                    && Objects.equals(configClass, r.configClass) && Objects.equals(file, r.file)
                    && Objects.equals(display, r.display);
        }

        @Override
        public int hashCode() {
            return Objects.hash(jar, configClass, file, display);
        }
    }

    /** A result line meaning the module could not check its config; the rest of the line says why. */
    String UNCHECKED = "unchecked: ";

    /**
     * @return for each request, in order, its lines: {@code error: ...}, {@code warning: ...} as
     *         {@link io.baetyl.sdk.config.ConfigCheck#check} returns them, or one {@link #UNCHECKED} line
     */
    List<List<String>> check(List<Request> requests);
}
