package io.baetyl.video;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.opencv.core.Core;
import org.opencv.core.CvException;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.dnn.Dnn;
import org.opencv.dnn.Net;

/**
 * The model: OpenCV's {@code readNet(model, config)} with the configured backend and target, {@code blobFromImage}
 * with {@code process.before}, and {@code forward}. Every Mat made here is released before {@link #run} returns;
 * the output is copied into a reused buffer of little-endian float32, the bytes the original passed on.
 */
final class Inference {
    static final Map<String, Integer> BACKENDS = Map.of(
            "", Dnn.DNN_BACKEND_DEFAULT, "default", Dnn.DNN_BACKEND_DEFAULT, "halide", Dnn.DNN_BACKEND_HALIDE,
            "openvino", Dnn.DNN_BACKEND_INFERENCE_ENGINE, "opencv", Dnn.DNN_BACKEND_OPENCV,
            "vulkan", Dnn.DNN_BACKEND_VKCOM, "cuda", Dnn.DNN_BACKEND_CUDA);
    static final Map<String, Integer> TARGETS = Map.of(
            "cpu", Dnn.DNN_TARGET_CPU, "fp32", Dnn.DNN_TARGET_OPENCL, "fp16", Dnn.DNN_TARGET_OPENCL_FP16,
            "vpu", Dnn.DNN_TARGET_MYRIAD, "vulkan", Dnn.DNN_TARGET_VULKAN, "fpga", Dnn.DNN_TARGET_FPGA,
            "cuda", Dnn.DNN_TARGET_CUDA, "cuda_fp16", Dnn.DNN_TARGET_CUDA_FP16);

    private final Net net;
    private final double scale;
    private final Size size;
    private final Scalar mean;
    private final boolean swapRb;
    private final boolean crop;
    private float[] floats = new float[0];
    private byte[] bytes = new byte[0];

    private Inference(Net net, VideoInferConfig.Before before) {
        this.net = net;
        this.scale = before.scale;
        this.size = new Size(before.width, before.outputHeight());
        this.mean = new Scalar(before.mean.v1, before.mean.v2, before.mean.v3, before.mean.v4);
        this.swapRb = before.swaprb;
        this.crop = before.crop;
    }

    /**
     * Reads the model. Paths are relative to the working dir. Errors name the key and the file: a missing or
     * unreadable model, a backend or device this OpenCV build lacks, or a model that cannot run on the configured
     * blob size (tried once on a black image when width and hight are set).
     */
    static Inference load(VideoInferConfig.Infer cfg, VideoInferConfig.Before before) {
        OpenCv.load();
        requireFile("infer.model", cfg.model);
        if (!cfg.config.isEmpty()) {
            requireFile("infer.config", cfg.config);
        }
        int backend = BACKENDS.get(cfg.backend);
        int target = TARGETS.get(cfg.device);
        List<Integer> targets = OpenCv.availableTargets(backend).orElse(null);
        if (targets != null && !targets.contains(target)) {
            String be = cfg.backend.isEmpty() ? "default" : cfg.backend;
            List<String> offered = TARGETS.entrySet().stream().filter(t -> targets.contains(t.getValue()))
                    .map(Map.Entry::getKey).sorted().toList();
            throw new IllegalArgumentException("infer.backend/device: " + be + "/" + cfg.device + " is not available "
                    + "in this OpenCV build (" + Core.getVersionString() + ") on this machine: "
                    + (offered.isEmpty() ? "it has no " + be + " backend" : "its " + be + " backend offers "
                    + String.join(", ", offered)) + " (the default backend offers cpu everywhere)");
        }
        Net net;
        try {
            net = Dnn.readNet(cfg.model, cfg.config);
        } catch (CvException e) {
            throw new IllegalArgumentException("infer.model: OpenCV cannot read the model '" + cfg.model + "'"
                    + (cfg.config.isEmpty() ? "" : " with config '" + cfg.config + "'") + ": " + firstLine(e), e);
        }
        if (net.empty()) {
            throw new IllegalArgumentException("infer.model: OpenCV read an empty network from '" + cfg.model + "'");
        }
        net.setPreferableBackend(backend);
        net.setPreferableTarget(target);
        Inference inference = new Inference(net, before);
        if (before.width > 0) {
            Mat black = Mat.zeros(before.outputHeight(), before.width, CvType.CV_8UC3);
            try {
                inference.run(black);
            } catch (CvException e) {
                throw new IllegalArgumentException("infer.model: '" + cfg.model + "' cannot run on a " + before.width
                        + "x" + before.outputHeight() + " blob (process.before) with backend/device "
                        + (cfg.backend.isEmpty() ? "default" : cfg.backend) + "/" + cfg.device + ": " + firstLine(e), e);
            } finally {
                black.release();
            }
        }
        return inference;
    }

    private static void requireFile(String key, String file) {
        Path p = Path.of(file);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(key + ": model file not found: '" + file + "' (resolved to "
                    + p.toAbsolutePath().normalize() + "; docs/VIDEO.md says where the docs' models come from)");
        }
        if (!Files.isReadable(p)) {
            throw new IllegalArgumentException(key + ": model file not readable: '" + file + "'");
        }
    }

    static String firstLine(CvException e) {
        String m = String.valueOf(e.getMessage()).strip();
        // OpenCV's text is "cv::Exception: OpenCV(4.6.0) file:line: error: (-2:Unspecified error) what in function".
        int err = m.indexOf("error: ");
        if (err >= 0) {
            m = m.substring(err + "error: ".length());
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /**
     * Runs the network on one frame: blob, forward, output copied to {@link #output()}. Returns the seconds
     * {@code setInput + forward} took (the original's {@code imageInferenceTime}).
     */
    double run(Mat frame) {
        Mat blob = Dnn.blobFromImage(frame, scale, size, mean, swapRb, crop);
        Mat out = null;
        Mat flat = null;
        Mat converted = null;
        try {
            long t0 = System.nanoTime();
            net.setInput(blob);
            out = net.forward();
            long t1 = System.nanoTime();
            Mat src = out;
            if (out.depth() != CvType.CV_32F) {
                converted = new Mat();
                out.convertTo(converted, CvType.CV_32F);
                src = converted;
            }
            int n = (int) (src.total() * src.channels());
            flat = src.reshape(1, 1);
            if (floats.length != n) {
                floats = new float[n];
                bytes = new byte[n * Float.BYTES];
            }
            flat.get(0, 0, floats);
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(floats);
            return (t1 - t0) / 1e9;
        } finally {
            blob.release();
            release(out);
            release(flat);
            release(converted);
        }
    }

    /** The last output as float32 bytes (the original's {@code results.ToBytes()}); reused by the next run. */
    byte[] output() {
        return bytes;
    }

    private static void release(Mat m) {
        if (m != null) {
            m.release();
        }
    }
}
