package io.baetyl.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.baetyl.sdk.log.LoggerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServiceConfigLoaderTest {
    public enum Mode { FAST, SAFE }

    public static class Sample implements Validated {
        public Duration timeout = Duration.ofSeconds(30);
        public ByteSize size = ByteSize.ofBytes(32768);
        public String name = "default";
        public boolean enabled;
        public long count = 7;
        public double ratio = 0.5;
        public Mode mode = Mode.SAFE;
        public Nested nested = new Nested();
        public List<String> items = List.of();
        public List<Nested> list = new ArrayList<>();
        public Map<String, Object> payload = new LinkedHashMap<>();
        public Map<String, Integer> weights = new LinkedHashMap<>();
        @JsonProperty("permit")
        public List<String> permits = new ArrayList<>();
        @JsonIgnore
        public String secret = "kept";
        public Object anything;
        public LoggerConfig logger = new LoggerConfig();

        public static class Nested {
            public int max = 5;
            public String label = "";
        }

        @Override
        public void validate() {
            if (nested.max < 0) {
                throw new IllegalArgumentException("nested.max: must not be negative, got " + nested.max);
            }
            logger.validate();
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class OnlyName {
        public String name = "";
    }

    private static Sample parse(String yaml) {
        return ServiceConfigLoader.parse(yaml, "sample.yml", Sample.class, Sample::new);
    }

    @Test
    void absentAndEmptyKeysKeepTheirDefaults() {
        Sample s = parse("name:\nnested:\ntimeout: ~\n");
        assertThat(s.timeout).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.name).isEqualTo("default");
        assertThat(s.nested.max).isEqualTo(5);
        assertThat(parse("").name).isEqualTo("default");
        assertThat(parse("# only a comment\n").count).isEqualTo(7);
    }

    @Test
    void aNestedBlockIsReadIntoItsDefaultsAsGoDoes() {
        // Go's yaml.v2 decodes into the struct that already holds the defaults: keys the block leaves out keep them
        Sample s = parse("logger:\n  level: debug\n  size: {}\n  backup: {max: 3}\n");
        assertThat(s.logger.level).isEqualTo("debug");
        assertThat(s.logger.format).isEqualTo("text");
        assertThat(s.logger.size.max).isEqualTo(50);
        assertThat(s.logger.backup.max).isEqualTo(3);
        assertThat(parse("nested: {label: x}").nested.max).isEqualTo(5);
    }

    @Test
    void scalarsOfEveryKind() {
        Sample s = parse("""
                timeout: 1m30s
                size: 4m
                enabled: true
                count: 0x10
                ratio: 1.25
                mode: fast
                """);
        assertThat(s.timeout).isEqualTo(Duration.ofSeconds(90));
        assertThat(s.size.bytes()).isEqualTo(4L << 20);
        assertThat(s.enabled).isTrue();
        assertThat(s.count).isEqualTo(16);
        assertThat(s.ratio).isEqualTo(1.25);
        assertThat(s.mode).isEqualTo(Mode.FAST);
        assertThat(parse("timeout: 500ms").timeout).isEqualTo(Duration.ofMillis(500));
        assertThat(parse("timeout: 1500000000").timeout).isEqualTo(Duration.ofMillis(1500)); // Go: nanoseconds
        assertThat(parse("size: 1024").size.bytes()).isEqualTo(1024);
        assertThat(parse("count: '12'").count).isEqualTo(12);
        assertThat(parse("enabled: yes").enabled).isTrue();
    }

    @Test
    void yamlOneOneBooleansAndNumbersStayTextInStringFields() {
        assertThat(parse("name: yes").name).isEqualTo("yes");
        assertThat(parse("name: no").name).isEqualTo("no");
        assertThat(parse("name: 0777").name).isEqualTo("0777");
        assertThat(parse("items: [on, off, 1.10]").items).containsExactly("on", "off", "1.10");
    }

    @Test
    void listsMapsAndPlainValues() {
        Sample s = parse("""
                items: one
                list: [{max: 1}, {label: b}]
                payload: {id: 1, on: yes, tags: [a, 2], nested: {x: null}}
                weights: {a: 1, b: 2}
                permit: [t/#]
                anything: [1, two]
                """);
        assertThat(s.items).containsExactly("one"); // a single value where a list is expected
        assertThat(s.list).hasSize(2);
        assertThat(s.list.get(0).max).isEqualTo(1);
        assertThat(s.list.get(1).max).isEqualTo(5); // list items start from their class's defaults
        assertThat(s.list.get(1).label).isEqualTo("b");
        assertThat(s.payload).containsEntry("id", 1).containsEntry("on", true)
                .containsEntry("tags", List.of("a", 2)).containsKey("nested");
        assertThat(s.weights).containsEntry("a", 1).containsEntry("b", 2);
        assertThat(s.permits).containsExactly("t/#");
        assertThat(s.anything).isEqualTo(List.of(1, "two"));
    }

    @Test
    void ignoredFieldsAreNeitherSetNorKnown() throws Exception {
        assertThat(ServiceConfigLoader.unknownKeys("secret: x\npermits: [a]\n", Sample.class))
                .containsExactly("secret", "permits");
        assertThat(parse("secret: x").secret).isEqualTo("kept");
    }

    @Test
    void mergeKeysWork() {
        Sample s = parse("""
                base: &base {max: 9, label: from-base}
                nested:
                  <<: *base
                  label: own
                """);
        assertThat(s.nested.max).isEqualTo(9);
        assertThat(s.nested.label).isEqualTo("own");
    }

    @Test
    void badValuesNameFileKeyValueAndLine() {
        assertThatThrownBy(() -> parse("timeout: soon"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("sample.yml: timeout: invalid duration \"soon\"")
                .hasMessageEndingWith("(line 1, column 10)");
        assertThatThrownBy(() -> parse("nested:\n  max: many"))
                .hasMessage("sample.yml: nested.max: expected an int, got \"many\" (line 2, column 8)");
        assertThatThrownBy(() -> parse("list:\n  - {max: 1}\n  - {max: [1]}\n"))
                .hasMessageStartingWith("sample.yml: list[1].max: expected an int, got a list");
        assertThatThrownBy(() -> parse("name: {a: 1}"))
                .hasMessageStartingWith("sample.yml: name: expected a string, got a mapping");
        assertThatThrownBy(() -> parse("nested: 5"))
                .hasMessageStartingWith("sample.yml: nested: expected a mapping of keys, got \"5\"");
        assertThatThrownBy(() -> parse("count: 99999999999999999999"))
                .hasMessageStartingWith("sample.yml: count: number out of range");
        assertThatThrownBy(() -> parse("nested: {max: 3000000000}"))
                .hasMessageStartingWith("sample.yml: nested.max: number out of range for an int");
        assertThatThrownBy(() -> parse("enabled: maybe"))
                .hasMessageStartingWith("sample.yml: enabled: expected true or false, got \"maybe\"");
        assertThatThrownBy(() -> parse("mode: quick"))
                .hasMessageStartingWith("sample.yml: mode: expected one of [FAST, SAFE], got \"quick\"");
        assertThatThrownBy(() -> parse("size: lots"))
                .hasMessageStartingWith("sample.yml: size: invalid size \"lots\"");
        assertThatThrownBy(() -> parse("- a\n- b\n"))
                .hasMessageStartingWith("sample.yml: expected a mapping of keys, got a list");
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
                .hasMessageStartingWith("sample.yml: invalid YAML: line 2, column");
        assertThatThrownBy(() -> parse("items: [a, b\n"))
                .hasMessageStartingWith("sample.yml: invalid YAML: line");
    }

    @ParameterizedTest
    @ValueSource(strings = {"name: a\nname: b\n", "nested: {max: 1, max: 2}\n", "weights: {a: 1, a: 2}\n",
            "payload: {a: 1, a: 2}\n"})
    void duplicateKeysAreRejected(String yaml) {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("duplicate key");
    }

    @Test
    void unknownKeysAreReportedWithTheirPathButDoNotFail() throws Exception {
        assertThat(ServiceConfigLoader.unknownKeys("nested: {max: 1, mxa: 2}\nextra: 1\nlist: [{lable: x}]\n",
                Sample.class)).containsExactly("nested.mxa", "extra", "list[0].lable");
        assertThat(parse("nested: {max: 1, mxa: 2}").nested.max).isEqualTo(1);
        assertThat(ServiceConfigLoader.unknownKeys("name: x\nhub: {address: y}\n", OnlyName.class)).isEmpty();
    }

    @Test
    void environmentVariablesAreTemplated() {
        String home = System.getenv("HOME");
        assertThat(parse("name: '{{.HOME}}'").name).isEqualTo(home);
        // A missing variable leaves the file as written, as Baetyl does.
        assertThat(parse("name: '{{.BAETYL_TEST_SURELY_UNSET_VAR}}'").name)
                .isEqualTo("{{.BAETYL_TEST_SURELY_UNSET_VAR}}");
    }

    @Test
    void missingFileIsAClearError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("service.yml");
        assertThatThrownBy(() -> ServiceConfigLoader.load(f, Sample.class))
                .isInstanceOf(ConfigException.class)
                .hasMessage(f + ": file not found");
        Files.writeString(f, "name: x\n");
        assertThat(ServiceConfigLoader.load(f, Sample.class).name).isEqualTo("x");
    }

    /** Documents whose meaning both loaders must agree on (the master's Jackson loader and this one). */
    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "name: x\ntimeout: 2h\nsize: 1g\nenabled: true\ncount: 3\nratio: 2.5\nmode: FAST\n",
        "items: [a, b]\nlist: [{max: 2, label: x}]\nweights: {k: 4}\npermit: [a/+]\n",
        "payload: {id: 1, name: n, list: [1, x], deep: {a: b}}\nanything: {k: v}\n",
        "payload: {o: 0777, h: 0x1F, f: 1e3, b: yes, t: true, n: ~, s: 1_000}\n",
        "payload: {day: 2001-12-14, at: '2001-12-14t21:59:43.10-05:00', stamp: 2001-12-14 21:59:43.10 -5}\n",
        "logger: {path: var/log/x.log, level: debug, format: json, age: {max: 1}, size: {max: 2}, backup: {max: 3}}\n",
        "nested: {max: 0, label: ''}\nitems: single\n",
    })
    void agreesWithTheJacksonLoader(String yaml) {
        Sample mine = parse(yaml);
        Sample jackson = ConfigLoader.parse(yaml, "sample.yml", Sample.class, Sample::new);
        assertThat(mine).usingRecursiveComparison().isEqualTo(jackson);
    }
}
