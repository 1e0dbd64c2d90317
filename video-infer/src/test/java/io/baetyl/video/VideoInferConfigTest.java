package io.baetyl.video;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.config.ServiceConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class VideoInferConfigTest {
    static final Path EXAMPLE = TestData.REPO.resolve("video-infer/example");

    static VideoInferConfig parse(String yaml) {
        return ServiceConfigLoader.parse(yaml, "service.yml", VideoInferConfig.class, VideoInferConfig::new);
    }

    static final String MINIMAL = """
            hub: {address: tcp://127.0.0.1:1883}
            infer: {model: m.onnx}
            process: {after: {function: {name: analyse}}}
            functions: [{name: analyse, address: 127.0.0.1:50051}]
            """;

    @Test
    void defaultsAreTheOriginals() {
        VideoInferConfig c = parse(MINIMAL);
        assertThat(c.video.uri).isEqualTo("0");
        assertThat(c.video.limit.fps).isZero();
        assertThat(c.video.loop).isFalse();
        assertThat(c.video.reopen.min).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.video.reopen.max).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.infer.config).isEmpty();
        assertThat(c.infer.backend).isEmpty();
        assertThat(c.infer.device).isEqualTo("cpu");
        assertThat(c.process.before.scale).isEqualTo(1.0);
        assertThat(c.process.before.width).isZero();
        assertThat(c.process.before.outputHeight()).isZero();
        assertThat(c.process.before.swaprb).isFalse();
        assertThat(c.process.before.crop).isFalse();
        assertThat(c.process.after.image.free.min.bytes()).isEqualTo(256L << 20);
        VideoInferConfig.FunctionInfo f = c.functions.get(0);
        assertThat(f.timeout).isEqualTo(Duration.ofSeconds(30));
        assertThat(f.backoff.max).isEqualTo(Duration.ofMinutes(1));
        assertThat(f.message.length.max.bytes()).isEqualTo(4L << 20);
        assertThat(c.hub.timeout).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void theDocsChapter11ConfigsLoadAsWritten() throws Exception {
        for (String mode : new String[] {"native", "docker"}) {
            Path file = EXAMPLE.resolve(mode + "/var/db/baetyl/video-infer-conf/service.yml");
            VideoInferConfig c = ServiceConfigLoader.load(file, VideoInferConfig.class);
            assertThat(c.video.uri).startsWith("rtsp://admin:admin@192.168.1.2:554/");
            assertThat(c.video.limit.fps).isEqualTo(1.0);
            assertThat(c.infer.model).isEqualTo("var/db/baetyl/model/frozen_inference_graph.pb");
            assertThat(c.infer.config).isEqualTo("var/db/baetyl/model/ssd_mobilenet_v1_coco_2017_11_17.pbtxt");
            assertThat(c.process.before.swaprb).isTrue();
            assertThat(c.process.before.width).isEqualTo(300);
            assertThat(c.process.before.hight).isEqualTo(300);
            assertThat(c.process.after.function.name).isEqualTo("analyse");
            assertThat(c.functions).hasSize(1);
            assertThat(c.hub.clientid).isEmpty();
            assertThat(c.logger.level).isEqualTo("debug");
        }
        assertThat(Files.readString(EXAMPLE.resolve("docker/var/db/baetyl/video-infer-conf/service.yml")))
                .contains("address: function-manager:50051");
    }

    @Test
    void heightIsAnAliasOfHightAndBothMustAgree() {
        VideoInferConfig c = parse(MINIMAL.replace("process: {after:", "process: {before: {width: 300, height: 200}, after:"));
        assertThat(c.process.before.outputHeight()).isEqualTo(200);
        assertThatThrownBy(() -> parse(MINIMAL.replace("process: {after:",
                "process: {before: {width: 300, hight: 300, height: 200}, after:")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("process.before.height: differs from process.before.hight (300 and 200)");
        assertThatThrownBy(() -> parse(MINIMAL.replace("process: {after:", "process: {before: {width: 300}, after:")))
                .hasMessageContaining("process.before.width/hight: give both or neither");
    }

    @Test
    void badValuesNameTheirKey() {
        assertThatThrownBy(() -> parse(MINIMAL.replace("infer: {model: m.onnx}", "infer: {model: m.onnx, backend: tensorrt}")))
                .hasMessageContaining("infer.backend: must be one of default, halide, openvino, opencv, vulkan, cuda (or empty), got 'tensorrt'");
        assertThatThrownBy(() -> parse(MINIMAL.replace("infer: {model: m.onnx}", "infer: {model: m.onnx, device: gpu}")))
                .hasMessageContaining("infer.device: must be one of cpu, fp32, fp16, vpu, vulkan, fpga, cuda, cuda_fp16, got 'gpu'");
        assertThatThrownBy(() -> parse(MINIMAL.replace("infer: {model: m.onnx}", "infer: {config: x.pbtxt}")))
                .hasMessageContaining("infer.model: is required");
        assertThatThrownBy(() -> parse(MINIMAL + "video: {uri: ''}\n"))
                .hasMessageContaining("video.uri: is required");
        assertThatThrownBy(() -> parse(MINIMAL + "video: {limit: {fps: -1}}\n"))
                .hasMessageContaining("video.limit.fps: must be 0 (no limit) or more, got -1.0");
        assertThatThrownBy(() -> parse(MINIMAL.replace("process: {after:", "process: {before: {scale: 0}, after:")))
                .hasMessageContaining("process.before.scale: must be more than 0");
        assertThatThrownBy(() -> parse(MINIMAL.replace("name: analyse}}}", "name: mark}}}")))
                .hasMessageContaining("process.after.function.name: no function 'mark' with an address in functions[]");
        assertThatThrownBy(() -> parse(MINIMAL.replace("address: 127.0.0.1:50051", "address: ''")))
                .hasMessageContaining("process.after.function.name: no function 'analyse' with an address");
        assertThatThrownBy(() -> parse(MINIMAL.replace("address: 127.0.0.1:50051", "address: 'grpc://fm:50051'")))
                .hasMessageContaining("functions[0].address: expected host:port (e.g. function-manager:50051), got 'grpc://fm:50051'");
        assertThatThrownBy(() -> parse(MINIMAL.replace("address: 127.0.0.1:50051", "address: 'fm:99999'")))
                .hasMessageContaining("functions[0].address: bad port in 'fm:99999'");
        assertThatThrownBy(() -> parse(MINIMAL.replace("functions: [{name: analyse, address: 127.0.0.1:50051}]",
                "functions: [{name: analyse, address: 'a:1'}, {name: analyse, address: 'b:2'}]")))
                .hasMessageContaining("functions[1].name: duplicate function name 'analyse'");
        assertThatThrownBy(() -> parse(MINIMAL.replace("address: 127.0.0.1:50051", "address: 'a:1', timeout: 0s")))
                .hasMessageContaining("functions[0].timeout: must be positive");
        assertThatThrownBy(() -> parse(MINIMAL + "video: {reopen: {min: 10s, max: 1s}}\n"))
                .hasMessageContaining("video.reopen.max: must not be less than video.reopen.min");
        assertThatThrownBy(() -> parse(MINIMAL.replace("tcp://127.0.0.1:1883", "http://x")))
                .hasMessageContaining("hub.address: scheme must be tcp, ssl, ws or wss");
    }
}
