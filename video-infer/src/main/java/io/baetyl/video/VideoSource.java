package io.baetyl.video;

import java.util.regex.Pattern;
import org.opencv.core.Mat;
import org.opencv.core.MatOfInt;
import org.opencv.videoio.VideoCapture;
import org.opencv.videoio.Videoio;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One OpenCV {@code VideoCapture} on {@code video.uri}, with the original's frame skipping: after opening, the
 * source's frame rate gives {@code skip = ceil(fps / limit.fps) - 1}, and each {@link #read} grabs (decodes and
 * drops) that many frames before it retrieves one. Used by a single thread, which also releases it.
 */
final class VideoSource implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VideoSource.class);
    /** How long FFmpeg may take to open a network stream, and to deliver the next packet before a read fails. */
    static final int NETWORK_TIMEOUT_MS = 10_000;
    private static final Pattern CAMERA = Pattern.compile("\\d{1,3}");
    private static final Pattern URL = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");

    /** What a uri names: files end, cameras and streams drop and come back. */
    enum Kind {
        CAMERA, STREAM, FILE;

        boolean live() {
            return this != FILE;
        }
    }

    private final String uri;
    private final Kind kind;
    private final double limitFps;
    private VideoCapture capture;
    private int skip;

    VideoSource(String uri, double limitFps) {
        this.uri = uri;
        this.kind = kindOf(uri);
        this.limitFps = limitFps;
    }

    static Kind kindOf(String uri) {
        if (CAMERA.matcher(uri).matches()) {
            return Kind.CAMERA;
        }
        if (URL.matcher(uri).matches() && !uri.regionMatches(true, 0, "file://", 0, 7)) {
            return Kind.STREAM;
        }
        return Kind.FILE;
    }

    /** The uri with a password replaced by {@code ***}, for logs (rtsp://admin:secret@... is common). */
    static String redacted(String uri) {
        return uri.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://[^/@:]*:)[^/@]*@", "$1***@");
    }

    Kind kind() {
        return kind;
    }

    String describe() {
        return redacted(uri);
    }

    boolean isOpen() {
        return capture != null;
    }

    int skip() {
        return skip;
    }

    /** Tries once to open the source; false (logged by the caller) when OpenCV cannot. */
    boolean open() {
        close();
        VideoCapture c = new VideoCapture();
        boolean ok;
        switch (kind) {
            case CAMERA -> ok = c.open(Integer.parseInt(uri));
            case STREAM -> {
                MatOfInt params = new MatOfInt(Videoio.CAP_PROP_OPEN_TIMEOUT_MSEC, NETWORK_TIMEOUT_MS,
                        Videoio.CAP_PROP_READ_TIMEOUT_MSEC, NETWORK_TIMEOUT_MS);
                try {
                    ok = c.open(uri, Videoio.CAP_FFMPEG, params);
                } finally {
                    params.release();
                }
            }
            default -> ok = c.open(uri.regionMatches(true, 0, "file://", 0, 7) ? uri.substring(7) : uri);
        }
        if (!ok || !c.isOpened()) {
            c.release();
            return false;
        }
        capture = c;
        double fps = c.get(Videoio.CAP_PROP_FPS);
        skip = 0;
        if (limitFps > 0 && fps > 0 && Double.isFinite(fps)) {
            skip = Math.max(0, (int) Math.ceil(fps / limitFps) - 1);
        }
        log.info("video opened: uri={} kind={} backend={} fps={} width={} hight={} skip={}", describe(),
                kind.name().toLowerCase(), c.getBackendName(), fps, c.get(Videoio.CAP_PROP_FRAME_WIDTH),
                c.get(Videoio.CAP_PROP_FRAME_HEIGHT), skip);
        return true;
    }

    /**
     * Grabs {@code skip} frames and reads the next into {@code into}. False when the source gave no frame: a file
     * ended or a stream or camera dropped.
     */
    boolean read(Mat into) {
        for (int i = 0; i < skip; i++) {
            if (!capture.grab()) {
                return false;
            }
        }
        return capture.read(into) && !into.empty();
    }

    /** Grabs one frame without decoding it into a Mat (live sources between inferred frames). */
    boolean grab() {
        return capture.grab();
    }

    /** Decodes the last grabbed frame into {@code into}. */
    boolean retrieve(Mat into) {
        return capture.retrieve(into) && !into.empty();
    }

    @Override
    public void close() {
        if (capture != null) {
            capture.release();
            capture = null;
        }
    }
}
