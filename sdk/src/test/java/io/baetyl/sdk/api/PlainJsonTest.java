package io.baetyl.sdk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** databind is the reference: PlainJson must write and read what ObjectMapper does for plain values. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PlainJsonTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void writesWhatDatabindReadsBack() throws Exception {
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("connections", 3);
        stats.put("bytes_in", 12_345_678_901L);
        stats.put("ratio", 0.25);
        stats.put("name", "hub \"one\"\n\u00e9");
        stats.put("up", true);
        stats.put("none", null);
        stats.put("list", List.of(1, "two", List.of()));
        stats.put("array", new Object[] {"a", 2});
        stats.put("nested", Map.of("functions", Map.of("py", Map.of("busy", 0))));
        byte[] json = PlainJson.write(Map.of("broker_stats", stats));

        Object expected = mapper.readValue(mapper.writeValueAsBytes(Map.of("broker_stats", stats)), Object.class);
        assertThat(mapper.readValue(json, Object.class)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"port\":\"50051\"}",
        "{\"a\":1,\"b\":12345678901,\"c\":1.5,\"d\":[true,false,null],\"e\":{\"f\":\"g\"}}",
        "{\"huge\":123456789012345678901234567890,\"neg\":-7,\"exp\":1e3}",
        "  {\"spaces\" : [ ] }  ",
    })
    void readsWhatDatabindReads(String text) throws Exception {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        assertThat(PlainJson.readObject(body)).isEqualTo(mapper.readValue(body, Map.class));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "[1,2]", "{\"a\":1} {}", "{\"a\":", "not json"})
    void badBodiesAreErrors(String text) {
        assertThatThrownBy(() -> PlainJson.readObject(text.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class);
    }

    @Test
    void arraysAreLists() throws Exception {
        assertThat(new String(PlainJson.write(Arrays.asList("x", null)), StandardCharsets.UTF_8))
                .isEqualTo("[\"x\",null]");
    }
}
