package io.baetyl.video;

import io.baetyl.sdk.config.ByteSize;
import io.baetyl.sdk.config.Validated;
import io.baetyl.sdk.log.LoggerConfig;
import io.baetyl.sdk.mqtt.MqttClientConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code service.yml} of video-infer, with the keys and defaults of baetyl-video-infer 1.x ({@code config.go}):
 * {@code hub}, {@code video}, {@code infer}, {@code process}, {@code functions}, {@code logger}. Keys added here are
 * marked "new"; each has a default that keeps the original behaviour where the original had one.
 */
public class VideoInferConfig implements Validated {
    public MqttClientConfig hub = new MqttClientConfig();
    public Video video = new Video();
    public Infer infer = new Infer();
    public Process process = new Process();
    public List<FunctionInfo> functions = new ArrayList<>();
    public LoggerConfig logger = new LoggerConfig();
    // Keys every Baetyl service.yml may carry; accepted so they do not warn.
    public String id;
    public String name;

    public static class Video {
        /** A camera index ("0" is /dev/video0), an rtsp://, http(s):// or other stream URL, or a file path. */
        public String uri = "0";
        public Limit limit = new Limit();
        /** New: play a file again from its start when it ends (default: stop capturing, log it, keep running). */
        public boolean loop;
        /** New: waits between attempts to open the source, or to reopen a stream that dropped. */
        public Reopen reopen = new Reopen();
    }

    public static class Limit {
        /** Frames inferred per second at most; ceil(source fps / this) - 1 frames between are grabbed and skipped. */
        public double fps;
    }

    public static class Reopen {
        public Duration min = Duration.ofSeconds(1);
        public Duration max = Duration.ofSeconds(30);
    }

    public static class Infer {
        /** Model file for OpenCV's readNet: .pb, .caffemodel, .onnx, .weights, .t7, .bin, ... */
        public String model = "";
        /** Its text config (.pbtxt, .prototxt, .cfg, .xml), when the framework has one. */
        public String config = "";
        /** halide, openvino, opencv, vulkan, cuda, or empty/default. */
        public String backend = "";
        /** cpu, fp32 (OpenCL), fp16 (OpenCL FP16), vpu, vulkan, fpga, cuda, cuda_fp16. */
        public String device = "cpu";
    }

    public static class Process {
        public Before before = new Before();
        public After after = new After();
    }

    /** The arguments of OpenCV's {@code blobFromImage}. */
    public static class Before {
        public double scale = 1.0;
        public int width;
        /** The original's spelling; {@code height} is read too. */
        public int hight;
        public int height;
        public Mean mean = new Mean();
        public boolean swaprb;
        public boolean crop;

        /** {@code height} or, as the original spelled it, {@code hight}. */
        public int outputHeight() {
            return height != 0 ? height : hight;
        }
    }

    public static class Mean {
        public double v1;
        public double v2;
        public double v3;
        public double v4;
    }

    public static class After {
        public FunctionRef function = new FunctionRef();
        /** New: limits of the images written to {@code imageLocation}. */
        public Image image = new Image();
        /** New: the largest result published (the hub closes the connection of a client that sends more). */
        public Publish publish = new Publish();
    }

    public static class Publish {
        /** Default: the hub's default {@code message.length.max}; raise both to publish imageData. */
        public Length length = new Length(ByteSize.ofBytes(32 * 1024));
    }

    public static class FunctionRef {
        public String name = "";
    }

    public static class Image {
        /** No image is written while the file system has less free space than this (the disk never fills up). */
        public Free free = new Free();
    }

    public static class Free {
        public ByteSize min = ByteSize.ofBytes(256L << 20);
    }

    /** A gRPC client of {@code baetyl.Function/Call}, e.g. the function manager's server mode. */
    public static class FunctionInfo {
        public String name = "";
        /** host:port, e.g. {@code function-manager:50051}; a function without an address has no client. */
        public String address = "";
        public Message message = new Message();
        public Backoff backoff = new Backoff();
        /** Deadline of one call; a frame whose call fails or times out is dropped and counted. */
        public Duration timeout = Duration.ofSeconds(30);
    }

    public static class Message {
        /** Largest answer accepted (default 4m). */
        public Length length = new Length();
    }

    public static class Length {
        public ByteSize max;

        public Length() {
            this(ByteSize.ofBytes(4L << 20));
        }

        public Length(ByteSize max) {
            this.max = max;
        }
    }

    public static class Backoff {
        /** Longest wait between two attempts to connect to the function server. */
        public Duration max = Duration.ofMinutes(1);
    }

    static final List<String> BACKENDS = List.of("", "default", "halide", "openvino", "opencv", "vulkan", "cuda");
    static final List<String> DEVICES = List.of("cpu", "fp32", "fp16", "vpu", "vulkan", "fpga", "cuda", "cuda_fp16");

    @Override
    public void validate() {
        hub.validate("hub");
        if (video.uri == null || video.uri.isBlank()) {
            throw new IllegalArgumentException("video.uri: is required (a camera index such as \"0\", a stream URL "
                    + "or a file path)");
        }
        if (!(video.limit.fps >= 0) || Double.isInfinite(video.limit.fps)) {
            throw new IllegalArgumentException("video.limit.fps: must be 0 (no limit) or more, got " + video.limit.fps);
        }
        positive("video.reopen.min", video.reopen.min);
        positive("video.reopen.max", video.reopen.max);
        if (video.reopen.max.compareTo(video.reopen.min) < 0) {
            throw new IllegalArgumentException("video.reopen.max: must not be less than video.reopen.min ("
                    + video.reopen.min + "), got " + video.reopen.max);
        }
        if (infer.model == null || infer.model.isBlank()) {
            throw new IllegalArgumentException("infer.model: is required (the model file OpenCV's readNet loads)");
        }
        if (!BACKENDS.contains(infer.backend)) {
            throw new IllegalArgumentException("infer.backend: must be one of " + String.join(", ",
                    BACKENDS.subList(1, BACKENDS.size())) + " (or empty), got '" + infer.backend + "'");
        }
        if (!DEVICES.contains(infer.device)) {
            throw new IllegalArgumentException("infer.device: must be one of " + String.join(", ", DEVICES)
                    + ", got '" + infer.device + "'");
        }
        Before b = process.before;
        if (!(b.scale > 0) || Double.isInfinite(b.scale)) {
            throw new IllegalArgumentException("process.before.scale: must be more than 0, got " + b.scale);
        }
        if (b.hight != 0 && b.height != 0 && b.hight != b.height) {
            throw new IllegalArgumentException("process.before.height: differs from process.before.hight ("
                    + b.hight + " and " + b.height + "); give one of them");
        }
        if (b.width < 0 || b.outputHeight() < 0) {
            throw new IllegalArgumentException("process.before.width/hight: must not be negative, got "
                    + b.width + "x" + b.outputHeight());
        }
        if ((b.width == 0) != (b.outputHeight() == 0)) {
            throw new IllegalArgumentException("process.before.width/hight: give both or neither (neither keeps "
                    + "the frame's size), got " + b.width + "x" + b.outputHeight());
        }
        long publishMax = process.after.publish.length.max.bytes();
        if (publishMax < 1 || publishMax > 268_435_455L) {
            throw new IllegalArgumentException("process.after.publish.length.max: must be between 1 and 268435455 "
                    + "(MQTT's largest message), got " + publishMax);
        }
        if (process.after.image.free.min.bytes() < 0) {
            throw new IllegalArgumentException("process.after.image.free.min: must not be negative");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < functions.size(); i++) {
            FunctionInfo f = functions.get(i);
            String key = "functions[" + i + "]";
            if (f.name == null || f.name.isBlank()) {
                throw new IllegalArgumentException(key + ".name: is required");
            }
            if (!names.add(f.name)) {
                throw new IllegalArgumentException(key + ".name: duplicate function name '" + f.name + "'");
            }
            if (!f.address.isEmpty()) {
                FunctionClients.target(f.address, key + ".address");
            }
            positive(key + ".timeout", f.timeout);
            positive(key + ".backoff.max", f.backoff.max);
            if (f.message.length.max.bytes() < 1 || f.message.length.max.bytes() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(key + ".message.length.max: must be between 1 and "
                        + Integer.MAX_VALUE + " bytes, got " + f.message.length.max.bytes());
            }
        }
        String fn = process.after.function.name;
        if (fn == null || fn.isBlank()) {
            throw new IllegalArgumentException("process.after.function.name: is required (the function that reads "
                    + "the inference result)");
        }
        boolean found = functions.stream().anyMatch(f -> f.name.equals(fn) && !f.address.isEmpty());
        if (!found) {
            throw new IllegalArgumentException("process.after.function.name: no function '" + fn
                    + "' with an address in functions[] (e.g. {name: " + fn + ", address: function-manager:50051})");
        }
    }

    private static void positive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(key + ": must be positive, got " + d);
        }
    }
}
