package io.baetyl.master.engine.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.Statistics;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DockerStatsTest {
    @Test
    void cpuIsAFractionOfAllCpusAndMemoryIsUsageOverLimit() throws Exception {
        Statistics s = new ObjectMapper().readValue("""
                {"cpu_stats": {"cpu_usage": {"total_usage": 3000}, "system_cpu_usage": 20000, "online_cpus": 4},
                 "precpu_stats": {"cpu_usage": {"total_usage": 1000}, "system_cpu_usage": 10000},
                 "memory_stats": {"usage": 256, "limit": 1024}}
                """, Statistics.class);
        Map<String, Object> out = DockerStats.of(s);
        assertThat(out.get("cpu_stats")).isEqualTo(Map.of("used_percent", 0.8));
        assertThat(out.get("mem_stats")).isEqualTo(Map.of("total", 1024L, "used", 256L, "used_percent", 0.25));
    }

    @Test
    void noPreviousSampleGivesZeroNotNaN() throws Exception {
        Statistics s = new ObjectMapper().readValue("""
                {"cpu_stats": {"cpu_usage": {"total_usage": 3000, "percpu_usage": [1, 2]}, "system_cpu_usage": 20000},
                 "precpu_stats": {}, "memory_stats": {"usage": 10, "limit": 0}}
                """, Statistics.class);
        Map<String, Object> out = DockerStats.of(s);
        assertThat(out.get("cpu_stats")).isEqualTo(Map.of("used_percent", 2 * 3000.0 / 20000));
        assertThat(((Map<?, ?>) out.get("mem_stats")).get("used_percent")).isEqualTo(0.0);
        assertThat(DockerStats.of(null)).isEmpty();
    }
}
