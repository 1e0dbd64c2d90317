package io.baetyl.master.check;

import io.baetyl.sdk.config.ConfigException;
import java.util.List;

/** An application that would fail to start: every problem {@link AppCheck} found, one line each. */
public class CheckFailedException extends ConfigException {
    private final List<String> problems;

    public CheckFailedException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per problem, in the order of the app's services. */
    public List<String> problems() {
        return problems;
    }
}
