package io.baetyl.master.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host id Baetyl passes as BAETYL_HOST_ID: the machine id, as gopsutil reads it on Linux. */
final class HostIdentity {
    private HostIdentity() {
    }

    static String hostId() {
        for (String f : new String[] {"/etc/machine-id", "/var/lib/dbus/machine-id", "/sys/class/dmi/id/product_uuid"}) {
            try {
                String id = Files.readString(Path.of(f)).trim();
                if (!id.isEmpty()) {
                    return id;
                }
            } catch (IOException | SecurityException e) {
                // try the next source
            }
        }
        return "";
    }
}
