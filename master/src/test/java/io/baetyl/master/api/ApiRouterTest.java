package io.baetyl.master.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.baetyl.master.api.ApiRouter.Op;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Routing, auth order and v0 conversion without any network. */
class ApiRouterTest {
    private final RecordingMasterApi api = new RecordingMasterApi();
    private final ApiRouter router = new ApiRouter(api);

    private ApiResponse call(String method, String path, String body) {
        return router.handle(method, path, RecordingMasterApi.USER, RecordingMasterApi.TOKEN,
                body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void match_knowsV1AndV0Routes() {
        assertThat(ApiRouter.match("/v1/system/inspect").op()).isEqualTo(Op.INSPECT);
        assertThat(ApiRouter.match("/system/inspect").op()).isEqualTo(Op.INSPECT_V0);
        assertThat(ApiRouter.match("/v1/system/update").op()).isEqualTo(Op.UPDATE);
        assertThat(ApiRouter.match("/system/update").op()).isEqualTo(Op.UPDATE);
        assertThat(ApiRouter.match("/ports/available").op()).isEqualTo(Op.AVAILABLE_PORT);
        assertThat(ApiRouter.match("/v1/services/s/instances/i/report"))
                .isEqualTo(new ApiRouter.Route(Op.REPORT, "PUT", "s", "i"));
        assertThat(ApiRouter.match("/services/s/instances/i/start"))
                .isEqualTo(new ApiRouter.Route(Op.START, "PUT", "s", "i"));
        assertThat(ApiRouter.match("/services/s/instances/i/report")).isNull();
        assertThat(ApiRouter.match("/v1/services//instances/i/stop")).isNull();
        assertThat(ApiRouter.match("/v1/services/s/instances/i/stop/x")).isNull();
        assertThat(ApiRouter.match("/v2/system/inspect")).isNull();
    }

    @Test
    void unknownRoute_beatsAuth_andAuthBeatsBodyErrors() {
        assertThat(router.handle("GET", "/nope", null, null, new byte[0]).status()).isEqualTo(404);
        ApiResponse denied = router.handle("PUT", "/v1/services/s/instances/i/start", "agent", "bad", new byte[0]);
        assertThat(denied.status()).isEqualTo(401);
        assertThat(new String(denied.body(), StandardCharsets.UTF_8)).isEqualTo("account unauthorized\n");
        assertThat(denied.contentType()).startsWith("text/plain");
    }

    @Test
    void update_pathWinsOverFile_typeDefaultsToApp() {
        assertThat(call("PUT", "/v1/system/update",
                "{\"type\":\"MST\",\"path\":\"p\",\"file\":\"f\",\"trace\":\"t\"}").status()).isEqualTo(200);
        assertThat(call("PUT", "/v1/system/update", "{\"file\":\"f\"}").status()).isEqualTo(200);
        assertThat(call("PUT", "/v1/system/update", "").status()).isEqualTo(400);

        assertThat(api.calls).extracting(RecordingMasterApi.Call::arg)
                .containsExactly(List.of("t", "MST", "p"), List.of("", "APP", "f"));
    }

    @Test
    void start_nullValueIsEmptyString_stopIgnoresBody() {
        assertThat(call("PUT", "/v1/services/s/instances/i/start", "{\"A\":null,\"B\":\"b\"}").status())
                .isEqualTo(200);
        assertThat(call("PUT", "/v1/services/s/instances/i/stop", "garbage").status()).isEqualTo(200);
        assertThat(api.calls.get(0).arg()).isEqualTo(Map.of("A", "", "B", "b"));
    }

    @Test
    void inspectV0_withoutGpuOrCpu_isStillWellFormed() {
        Map<String, Object> v0 = InspectV0.fromV1(Map.of("time", "t", "software", Map.of("os", "linux"),
                "hardware", Map.of("host_stats", Map.of("hostname", "h")), "extra", 1));

        assertThat(v0).containsOnlyKeys("time", "software", "hardware");
        assertThat(v0.get("hardware")).isEqualTo(Map.of("host_stats", Map.of("hostname", "h"), "cpu_stats", Map.of()));
    }

    @Test
    void handlerExceptionWithoutMessage_usesTheExceptionName() {
        api.failure = new NullPointerException();
        ApiResponse r = call("PUT", "/v1/services/s/instances/i/stop", null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("NullPointerException\n");
    }
}
