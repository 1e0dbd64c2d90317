package io.baetyl.master.check;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.baetyl.sdk.config.Validated;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the Python and Node runtimes need of their {@code service.yml}: a {@code functions} list whose entries have
 * a name, a {@code module.function} handler and a codedir. Their other keys are theirs to check at start.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public class RuntimeConfig implements Validated {
    public List<Function> functions;

    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Function {
        public String name = "";
        public String handler = "";
        public String codedir = "";
    }

    @Override
    public void validate() {
        if (functions == null) {
            throw new IllegalArgumentException("functions: is required (the runtime serves these functions)");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < functions.size(); i++) {
            Function f = functions.get(i);
            String key = "functions[" + i + "]";
            if (f == null) {
                throw new IllegalArgumentException(key + ": is empty");
            }
            if (f.name.isBlank()) {
                throw new IllegalArgumentException(key + ".name: is required");
            }
            if (!names.add(f.name)) {
                throw new IllegalArgumentException(key + ".name: '" + f.name + "' is used twice");
            }
            String[] parts = f.handler.split("\\.", -1);
            if (parts.length < 2 || java.util.Arrays.stream(parts).anyMatch(String::isEmpty)) {
                throw new IllegalArgumentException(key + ".handler: must be module.function, got '" + f.handler + "'");
            }
            if (f.codedir.isBlank()) {
                throw new IllegalArgumentException(key + ".codedir: is required");
            }
        }
    }

    static List<Function> none() {
        return new ArrayList<>();
    }
}
