package io.baetyl.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Broken YAML as users write it, and the one-line error each loader gives: where, expected/found, context, hint. */
@Timeout(30)
class YamlErrorsTest {
    public static class Mount {
        public String name = "";
        public String path = "";
        public boolean readonly;
    }

    public static class Service {
        public String name = "";
        public String image = "";
        public int replica;
        public List<Mount> mounts = new ArrayList<>();
    }

    public static class App {
        public String version = "";
        public List<Service> services = new ArrayList<>();
    }

    /** Both loaders, so the master (Jackson) and the modules (SnakeYAML nodes) word errors the same way. */
    private static String error(String loader, String yaml) {
        try {
            if (loader.equals("jackson")) {
                ConfigLoader.parse(yaml, "application.yml", App.class, App::new);
            } else {
                ServiceConfigLoader.parse(yaml, "application.yml", App.class, App::new);
            }
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("no error for:\n" + yaml);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jackson", "nodes"})
    void aTabIsNamed(String loader) {
        assertThat(error(loader, "version: v0\nservices:\n\t- name: a\n")).isEqualTo(
                "application.yml: invalid YAML: line 3, column 1 (\"\\t- name: a\"): found a tab character: YAML "
                        + "indentation must use spaces, not tabs (while scanning for the next token)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jackson", "nodes"})
    void aMisalignedLineSaysWhatWasExpectedAndFoundAndWhereTheBlockStarted(String loader) {
        assertThat(error(loader, """
                services:
                  - name: a
                    image: baetyl-hub
                   mounts: []
                """)).isEqualTo("application.yml: invalid YAML: line 4, column 4 (\"   mounts: []\"): expected "
                + "<block end>, but found '<block mapping start>' (while parsing a block collection that started at "
                + "line 2, column 3): this line is indented differently from the lines above it (or a value needs quotes)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jackson", "nodes"})
    void unclosedBracketsAndQuotesAreNamed(String loader) {
        assertThat(error(loader, "services:\n  - name: [a\n")).isEqualTo("application.yml: invalid YAML: line 3, "
                + "column 1: expected ',' or ']', but got <stream end> (while parsing a flow sequence that started at "
                + "line 2, column 11): a [ or { is not closed, or an item needs quotes");
        assertThat(error(loader, "version: 'v0\n")).isEqualTo("application.yml: invalid YAML: line 2, column 1: "
                + "found unexpected end of stream (while scanning a quoted scalar that started at line 1, column 10): "
                + "a quote is not closed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jackson", "nodes"})
    void aBadValueNamesTheKeyPathWithItsListIndexAndTheLine(String loader) {
        assertThat(error(loader, """
                services:
                  - name: a
                  - name: b
                  - name: c
                  - name: d
                    replica: many
                """)).startsWith("application.yml: services[3].replica: ").endsWith("(line 6, column 14)")
                .contains("many");
    }

    @Test
    void unknownKeysAreWarnedWithTheirListIndexes() throws Exception {
        String yaml = """
                services:
                  - name: a
                  - name: b
                    mounts:
                      - name: x
                        readnoly: true
                  - name: c
                  - name: d
                    replicas: 1
                """;
        List<String> expected = List.of("services[1].mounts[0].readnoly", "services[3].replicas");
        assertThat(ServiceConfigLoader.unknownKeys(yaml, App.class)).isEqualTo(expected);
        assertThat(ConfigLoader.unknownKeys(yaml, App.class)).isEqualTo(expected);
    }

    @Test
    void aFileReadThroughASymlinkedDirIsNamedWithItsHostPath(@TempDir Path dir) throws Exception {
        Path volume = Files.createDirectories(dir.resolve("var/db/baetyl/localhub-conf"));
        Files.writeString(volume.resolve("service.yml"), "services:\n\t- name: a\n");
        Path serviceDir = Files.createDirectories(dir.resolve("var/run/baetyl/services/localhub/etc"));
        Path link = Files.createSymbolicLink(serviceDir.resolve("baetyl"), volume);
        Path asTheModuleSeesIt = link.resolve("service.yml");
        assertThatThrownBy(() -> ServiceConfigLoader.load(asTheModuleSeesIt, App.class))
                .hasMessageStartingWith(asTheModuleSeesIt + " (host file " + volume.toRealPath().resolve("service.yml")
                        + "): invalid YAML: line 2, column 1");
    }
}
