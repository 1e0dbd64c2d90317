package io.baetyl.video;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** VideoInferMain as the master runs it: a child JVM with {@code -c service.yml}; what the user sees when it fails. */
@Timeout(120)
class VideoInferProcessIT {
    @TempDir
    Path dir;

    private Process launch(String conf, String... jvmArgs) throws Exception {
        Files.createDirectories(dir.resolve("etc/baetyl"));
        Files.writeString(dir.resolve("etc/baetyl/service.yml"), conf);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m"));
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.baetyl.video.VideoInferMain"));
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(dir.resolve("out.log").toString()))).start();
    }

    private String output() throws Exception {
        return Files.exists(dir.resolve("out.log")) ? Files.readString(dir.resolve("out.log")) : "";
    }

    private int exit(Process p) throws Exception {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not exit: " + output());
        }
        return p.exitValue();
    }

    private static String config(String infer, String video) {
        return """
                hub: {address: tcp://127.0.0.1:1, username: u, password: p}
                video: %s
                infer: %s
                process: {before: {swaprb: true, width: 300, hight: 300}, after: {function: {name: analyse}}}
                functions: [{name: analyse, address: 127.0.0.1:1}]
                """.formatted(video, infer);
    }

    @Test
    void theDocsModelMissingStopsWithAnErrorNamingTheFile() throws Exception {
        Process p = launch(config("{model: var/db/baetyl/model/frozen_inference_graph.pb, "
                + "config: var/db/baetyl/model/ssd_mobilenet_v1_coco_2017_11_17.pbtxt}", "{uri: '0'}"));
        assertThat(exit(p)).isEqualTo(1);
        assertThat(output()).contains("infer.model: model file not found: 'var/db/baetyl/model/frozen_inference_graph.pb'")
                .contains("service stopped with error");
    }

    @Test
    void aCorruptModelStopsWithAnError() throws Exception {
        Files.writeString(dir.resolve("model.pb"), "<html>404 Not Found</html>");
        Process p = launch(config("{model: model.pb}", "{uri: '0'}"));
        assertThat(exit(p)).isEqualTo(1);
        assertThat(output()).contains("infer.model: OpenCV cannot read the model 'model.pb': ");
    }

    @Test
    void aBackendThisOpenCvLacksStopsWithAnErrorSayingWhatItHas() throws Exception {
        Process p = launch(config("{model: '" + TestData.model() + "', backend: openvino}", "{uri: '0'}"));
        assertThat(exit(p)).isEqualTo(1);
        assertThat(output()).contains("infer.backend/device: openvino/cpu is not available in this OpenCV build (4.6.0)")
                .contains("it has no openvino backend");
        Files.delete(dir.resolve("out.log"));
        p = launch(config("{model: '" + TestData.model() + "', backend: opencv, device: vpu}", "{uri: '0'}"));
        assertThat(exit(p)).isEqualTo(1);
        assertThat(output()).contains("infer.backend/device: opencv/vpu is not available")
                .contains("its opencv backend offers cpu");
    }

    @Test
    void withoutOpenCvsNativeLibraryItSaysWhatToInstall() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("nolib"));
        Process p = launch(config("{model: '" + TestData.model() + "'}", "{uri: '0'}"), "-Djava.library.path=" + empty);
        assertThat(exit(p)).isEqualTo(1);
        assertThat(output()).contains("OpenCV's native library libopencv_java460.so cannot be loaded")
                .contains("install Debian's libopencv406-jni (scripts/install-deps.sh)");
    }

    @Test
    void aBadConfigValueStopsWithItsKey() throws Exception {
        Process p = launch(config("{model: m.onnx, device: gpu}", "{uri: '0'}"));
        assertThat(exit(p)).isEqualTo(1);
        assertThat(output()).contains("etc/baetyl/service.yml: infer.device: must be one of cpu, fp32, fp16");
    }

    @Test
    void whileTheVideoDoesNotOpenItKeepsTryingAndSigtermStopsItCleanly() throws Exception {
        Process p = launch(config("{model: '" + TestData.model() + "'}",
                "{uri: var/db/baetyl/video/missing.mp4, reopen: {min: 200ms, max: 1s}}"));
        await().atMost(Duration.ofSeconds(60)).until(() -> output().contains("attempt=2"));
        assertThat(output()).contains("cannot open video: uri=var/db/baetyl/video/missing.mp4 kind=file attempt=1");
        p.destroy(); // SIGTERM
        assertThat(exit(p)).isZero();
        assertThat(output()).contains("video-infer stopped: {captured=0").contains("open_failures=");
    }
}
