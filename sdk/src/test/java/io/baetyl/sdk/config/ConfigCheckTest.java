package io.baetyl.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ConfigCheckTest {
    public static class Conf implements Validated {
        public List<Item> items = new ArrayList<>();

        public static class Item {
            public String name = "";
            public int size = 1;
        }

        @Override
        public void validate() {
            for (int i = 0; i < items.size(); i++) {
                if (items.get(i).name.isEmpty()) {
                    throw new IllegalArgumentException("items[" + i + "].name: is required");
                }
            }
        }
    }

    @Test
    void reportsErrorsAndUnknownKeysOneLineEachUnderTheHostName(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("service.yml"), "items:\n  - name: a\n    szie: 2\n  - size: 3\n");
        assertThat(ConfigCheck.check(Conf.class.getName(), f.toString(), "var/db/baetyl/x-conf/service.yml"))
                .containsExactly(
                        "warning: var/db/baetyl/x-conf/service.yml: unknown key 'items[0].szie' ignored",
                        "error: var/db/baetyl/x-conf/service.yml: items[1].name: is required");
        Files.writeString(f, "items:\n\t- name: a\n");
        assertThat(ConfigCheck.check(Conf.class.getName(), f.toString(), "x.yml")).singleElement().asString()
                .startsWith("error: x.yml: invalid YAML: line 2, column 1").contains("tab");
        Files.writeString(f, "items: [{name: a}]\n");
        assertThat(ConfigCheck.check(Conf.class.getName(), f.toString(), "x.yml")).isEmpty();
        assertThat(ConfigCheck.check(Conf.class.getName(), dir.resolve("nope.yml").toString(), "nope.yml"))
                .containsExactly("error: nope.yml: file not found");
        assertThat(ConfigCheck.check("no.such.Config", f.toString(), "x.yml"))
                .containsExactly("error: x.yml: cannot check: the module has no config class no.such.Config");
    }
}
