package io.baetyl.sdk.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class LoggingTest {
    private static final Logger log = LoggerFactory.getLogger(LoggingTest.class);

    @AfterEach
    void reset() {
        Logging.setupConsole();
    }

    @Test
    void writesTextAtTheConfiguredLevelToARelativePath(@TempDir Path dir) throws Exception {
        LoggerConfig cfg = new LoggerConfig("var/log/baetyl/service.log");
        cfg.level = "warn";
        Logging.setup(cfg, dir);
        log.info("not at warn");
        log.warn("disk almost full: free={}", 3);
        List<String> lines = Files.readAllLines(dir.resolve("var/log/baetyl/service.log"));
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("WARN").contains("disk almost full: free=3");
    }

    @Test
    void jsonFormatWritesOneObjectPerLine(@TempDir Path dir) throws Exception {
        LoggerConfig cfg = new LoggerConfig(dir.resolve("x.log").toString());
        cfg.format = "json";
        cfg.level = "debug";
        Logging.setup(cfg, null);
        log.debug("hello json");
        String line = Files.readAllLines(dir.resolve("x.log")).stream()
                .filter(l -> l.contains("hello json")).findFirst().orElseThrow();
        @SuppressWarnings("unchecked")
        Map<String, Object> obj = new ObjectMapper().readValue(line, Map.class);
        assertThat(obj).containsEntry("level", "DEBUG").containsEntry("message", "hello json");
    }
}
