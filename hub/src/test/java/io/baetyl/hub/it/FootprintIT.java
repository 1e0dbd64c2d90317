package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guards the hub's idle footprint (docs/PERFORMANCE.md: idle RSS under 64 MB) against a dependency sneaking back in:
 * runs the hub with the shipped {@code jvm.options} and checks which classes it loaded. The RSS figure itself is
 * measured by hand with the bench tool, not here.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FootprintIT {
    @Test
    void theHubStartsWithItsShippedFlagsWithoutDatabindOrXmlOrPatternLayout(@TempDir Path dir) throws Exception {
        List<String> options = new ArrayList<>(HubProcess.shippedJvmOptions());
        // no -Xshare:off: the install's class-data-sharing archive is shared with the other JVMs (docs/PERFORMANCE.md)
        assertThat(options).contains("-XX:+UseSerialGC").doesNotContain("-Xshare:off");
        options.add("-Xlog:class+load=info:file=" + dir.resolve("classes.txt"));
        try (HubProcess hub = new HubProcess(dir, "").start(options)) {
            assertThat(hub.terminate()).isZero();
        }
        List<String> loaded = Files.readAllLines(dir.resolve("classes.txt"));
        assertThat(loaded).as("the log lists the hub's own classes").anyMatch(l -> l.contains(" io.baetyl.hub.Hub "));
        assertThat(loaded).as("classes the hub must not load at start")
                .noneMatch(l -> l.contains(" com.fasterxml.jackson.databind."))
                .noneMatch(l -> l.contains(" com.fasterxml.jackson.dataformat."))
                .noneMatch(l -> l.contains(" ch.qos.logback.classic.PatternLayout "))
                .noneMatch(l -> l.contains(" ch.qos.logback.classic.joran."))
                .noneMatch(l -> l.contains(" javax.xml.parsers."));
    }
}
