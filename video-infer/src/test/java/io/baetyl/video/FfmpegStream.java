package io.baetyl.video;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real network camera stand-in: Debian's ffmpeg serving a video in a loop, in real time, as a multipart MJPEG
 * stream over HTTP on 127.0.0.1 (what IP cameras serve besides RTSP). One client at a time; stopping the process is
 * the stream dropping.
 */
final class FfmpegStream implements AutoCloseable {
    final int port;
    private final Process process;

    FfmpegStream(Path video, int port, Path log) throws Exception {
        this.port = port;
        this.process = new ProcessBuilder(List.of("ffmpeg", "-nostdin", "-v", "error", "-re", "-stream_loop", "-1",
                "-i", video.toString(), "-c", "copy", "-f", "mpjpeg", "-listen", "1", url(port)))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(log.toString())))
                .start();
    }

    static String url(int port) {
        return "http://127.0.0.1:" + port + "/cam.mjpg";
    }

    String url() {
        return url(port);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
