package io.baetyl.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.sdk.log.LoggerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    public static class Sample implements Validated {
        public Duration timeout = Duration.ofSeconds(30);
        public ByteSize size = ByteSize.ofBytes(32768);
        public String name = "default";
        public Nested nested = new Nested();
        public List<String> items = List.of();
        public LoggerConfig logger = new LoggerConfig();

        public static class Nested {
            public int max = 5;
        }

        @Override
        public void validate() {
            if (nested.max < 0) {
                throw new IllegalArgumentException("nested.max: must not be negative, got " + nested.max);
            }
            logger.validate();
        }
    }

    private static Sample parse(String yaml) {
        return ConfigLoader.parse(yaml, "sample.yml", Sample.class, Sample::new);
    }

    @Test
    void absentAndEmptyKeysKeepTheirDefaults() {
        Sample s = parse("name:\nnested:\n");
        assertThat(s.timeout).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.name).isEqualTo("default");
        assertThat(s.nested.max).isEqualTo(5);
        assertThat(parse("").name).isEqualTo("default");
    }

    @Test
    void goDurationsAndDockerSizesAreParsed() {
        Sample s = parse("timeout: 1m30s\nsize: 4m\n");
        assertThat(s.timeout).isEqualTo(Duration.ofSeconds(90));
        assertThat(s.size.bytes()).isEqualTo(4L << 20);
        assertThat(parse("timeout: 500ms").timeout).isEqualTo(Duration.ofMillis(500));
        assertThat(parse("timeout: 1500000000").timeout).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void yamlOneOneBooleansStayTextInStringFields() {
        assertThat(parse("name: yes").name).isEqualTo("yes");
        assertThat(parse("name: no").name).isEqualTo("no");
        assertThat(parse("name: 0777").name).isEqualTo("0777");
        assertThat(parse("items: [on, off, 1.10]").items).containsExactly("on", "off", "1.10");
    }

    @Test
    void durationsAndSizesRoundTrip() {
        Sample s = parse("timeout: 1m30s\nsize: 4k\n");
        String yaml = ConfigLoader.toYaml(s);
        assertThat(yaml).contains("timeout: \"1m30s\"").contains("size: 4096");
        assertThat(parse(yaml).timeout).isEqualTo(s.timeout);
    }

    @Test
    void badValueNamesFileKeyAndValue() {
        assertThatThrownBy(() -> parse("timeout: soon"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sample.yml")
                .hasMessageContaining("timeout")
                .hasMessageContaining("soon");
        assertThatThrownBy(() -> parse("nested:\n  max: many"))
                .hasMessageContaining("sample.yml: nested.max");
    }

    @Test
    void validationErrorsArePrefixedWithTheFile() {
        assertThatThrownBy(() -> parse("nested: {max: -1}"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("sample.yml: nested.max: must not be negative, got -1");
        assertThatThrownBy(() -> parse("logger: {level: loud}"))
                .hasMessageContaining("logger.level")
                .hasMessageContaining("loud");
    }

    @Test
    void brokenYamlReportsThePosition() {
        assertThatThrownBy(() -> parse("name: x\n  nested: y\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("sample.yml: invalid YAML")
                .hasMessageContaining("line");
    }

    @Test
    void duplicateKeysAreRejected() {
        assertThatThrownBy(() -> parse("name: a\nname: b\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("name");
    }

    @Test
    void unknownKeysAreReportedWithTheirPathButDoNotFail() throws Exception {
        assertThat(ConfigLoader.unknownKeys("nested: {max: 1, mxa: 2}\nextra: 1\n", Sample.class))
                .containsExactly("nested.mxa", "extra");
        assertThat(parse("nested: {max: 1, mxa: 2}").nested.max).isEqualTo(1);
    }

    @Test
    void environmentVariablesAreTemplated() {
        String home = System.getenv("HOME");
        assertThat(parse("name: '{{.HOME}}'").name).isEqualTo(home);
        assertThat(EnvTemplate.render("a: {{ .X }}", Map.of("X", "1"))).isEqualTo("a: 1");
        assertThatThrownBy(() -> EnvTemplate.render("a: {{.NOPE_NOT_SET}}", Map.of()))
                .hasMessageContaining("NOPE_NOT_SET");
        // A missing variable leaves the file as written, as Baetyl does.
        assertThat(parse("name: '{{.BAETYL_TEST_SURELY_UNSET_VAR}}'").name).isEqualTo("{{.BAETYL_TEST_SURELY_UNSET_VAR}}");
    }

    @Test
    void missingFileIsAClearErrorOrTheDefaults(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("service.yml");
        assertThatThrownBy(() -> ConfigLoader.load(f, Sample.class))
                .isInstanceOf(ConfigException.class)
                .hasMessage(f + ": file not found");
        assertThat(ConfigLoader.loadOrDefault(f, Sample.class).name).isEqualTo("default");
        Files.writeString(f, "name: x\n");
        assertThat(ConfigLoader.load(f, Sample.class).name).isEqualTo("x");
    }
}
