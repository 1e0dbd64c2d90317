package io.baetyl.video;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Point;
import org.opencv.core.Scalar;
import org.opencv.imgproc.Imgproc;

/** The model path with real OpenCV and the generated SSD-layout model. */
@Timeout(60)
class InferenceTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void opencv() {
        OpenCv.load();
    }

    static VideoInferConfig.Infer infer(String model) {
        VideoInferConfig.Infer i = new VideoInferConfig.Infer();
        i.model = model;
        return i;
    }

    /** The docs' process.before: swaprb, 300x300, no scale or mean. */
    static VideoInferConfig.Before docsBefore() {
        VideoInferConfig.Before b = new VideoInferConfig.Before();
        b.swaprb = true;
        b.width = 300;
        b.hight = 300;
        return b;
    }

    /** A dark 320x240 frame, with the bright square in the center box when {@code object}. */
    static Mat frame(boolean object) {
        Mat m = new Mat(240, 320, CvType.CV_8UC3, new Scalar(32, 32, 32));
        if (object) {
            Imgproc.rectangle(m, new Point(80, 60), new Point(239, 179), new Scalar(240, 240, 240), -1);
        }
        return m;
    }

    static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    @Test
    void theScoreOfTheCenterBoxFollowsItsBrightnessInTheSsdLayout() throws Exception {
        Inference inf = Inference.load(infer(TestData.model().toString()), docsBefore());
        Mat dark = frame(false);
        Mat bright = frame(true);
        try {
            double seconds = inf.run(dark);
            assertThat(seconds).isPositive().isLessThan(5);
            float[] d = floats(inf.output());
            inf.run(bright);
            float[] b = floats(inf.output());
            // 1x1x3x7: [image_id, class, score, left, top, right, bottom]
            assertThat(d).hasSize(21);
            assertThat(new float[] {d[0], d[1], d[3], d[4], d[5], d[6]}).containsExactly(0f, 1f, .25f, .25f, .75f, .75f);
            assertThat(d[2]).as("dark center").isLessThan(0.2f);
            assertThat(b[2]).as("bright center").isGreaterThan(0.8f);
            assertThat(b[9]).as("top-left box stays dark").isLessThan(0.2f);
            assertThat(b[15]).as("class 3 of the third detection").isEqualTo(3f);
        } finally {
            dark.release();
            bright.release();
        }
    }

    @Test
    void heightIsReadLikeTheOriginalsHight() throws Exception {
        VideoInferConfig.Before b = docsBefore();
        b.hight = 0;
        b.height = 300;
        Inference inf = Inference.load(infer(TestData.model().toString()), b);
        Mat m = frame(true);
        inf.run(m);
        m.release();
        assertThat(floats(inf.output())[2]).isGreaterThan(0.8f);
    }

    @Test
    void aMissingModelFileIsAnErrorNamingKeyAndFile() {
        assertThatThrownBy(() -> Inference.load(infer("var/db/baetyl/model/frozen_inference_graph.pb"), docsBefore()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("infer.model: model file not found: 'var/db/baetyl/model/frozen_inference_graph.pb'")
                .hasMessageContaining("docs/VIDEO.md");
    }

    @Test
    void aMissingConfigFileIsAnError() throws Exception {
        VideoInferConfig.Infer i = infer(TestData.model().toString());
        i.config = tmp.resolve("ssd.pbtxt").toString();
        assertThatThrownBy(() -> Inference.load(i, docsBefore()))
                .hasMessageStartingWith("infer.config: model file not found: '" + i.config + "'");
    }

    @Test
    void aCorruptModelIsAClearError() throws Exception {
        Path bad = tmp.resolve("broken.onnx");
        byte[] model = Files.readAllBytes(TestData.model());
        Files.write(bad, java.util.Arrays.copyOf(model, model.length / 3)); // a truncated download
        assertThatThrownBy(() -> Inference.load(infer(bad.toString()), docsBefore()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("infer.model: OpenCV cannot read the model '" + bad + "': ");
        Path unknown = tmp.resolve("model.xyz");
        Files.writeString(unknown, "not a model");
        assertThatThrownBy(() -> Inference.load(infer(unknown.toString()), docsBefore()))
                .hasMessageStartingWith("infer.model: OpenCV cannot read the model '" + unknown + "': ");
    }

    @Test
    void aModelThatCannotRunOnTheConfiguredBlobSizeFailsAtStart() throws Exception {
        VideoInferConfig.Before b = docsBefore();
        b.width = 200;
        b.hight = 200;
        assertThatThrownBy(() -> Inference.load(infer(TestData.model().toString()), b))
                .hasMessageStartingWith("infer.model: '" + TestData.model() + "' cannot run on a 200x200 blob "
                        + "(process.before) with backend/device default/cpu: ");
    }
}
