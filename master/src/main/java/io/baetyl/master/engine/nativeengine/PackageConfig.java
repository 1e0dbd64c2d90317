package io.baetyl.master.engine.nativeengine;

import io.baetyl.sdk.config.Validated;

/** {@code package.yml} of a native package: the program to run, relative to the package dir. */
public class PackageConfig implements Validated {
    public String entry = "";

    @Override
    public void validate() {
        if (entry == null || entry.isBlank()) {
            throw new IllegalArgumentException("entry: is required (the program to run, e.g. bin/baetyl-hub)");
        }
    }
}
