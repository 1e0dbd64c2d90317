package io.baetyl.master.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Statistics;
import com.github.dockerjava.api.model.WaitResponse;
import io.baetyl.master.engine.Instance;
import io.baetyl.master.security.LogSafe;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A docker instance: one container, named after the instance. Its output is copied into the master log line by
 * line; stop is {@code docker stop} with the grace period, then a forced remove (with its anonymous volumes).
 */
final class DockerInstance implements Instance {
    private static final Logger log = LoggerFactory.getLogger(DockerInstance.class);
    /** Container output goes to its own logger, so it can be filtered or routed apart from the master's lines. */
    private static final Logger output = LoggerFactory.getLogger("io.baetyl.master.engine.docker.output");
    /** Longest piece of container output logged as one line. */
    static final int MAX_OUTPUT_LINE = 16 * 1024;

    private final DockerClient docker;
    private final Executor io;
    private final String service;
    private final String name;
    private final String containerId;
    private final CompletableFuture<Integer> exited = new CompletableFuture<>();
    private final AtomicBoolean removed = new AtomicBoolean();
    private ResultCallback.Adapter<Statistics> statsStream;
    private CompletableFuture<Void> firstSample;
    private volatile Statistics latestStats;

    DockerInstance(DockerClient docker, String service, String name, String containerId, Executor io) {
        this.docker = docker;
        this.io = io;
        this.service = service;
        this.name = name;
        this.containerId = containerId;
    }

    /** Starts watching the started container: its exit and its output. */
    void watch() {
        docker.waitContainerCmd(containerId).exec(new ResultCallback.Adapter<WaitResponse>() {
            @Override
            public void onNext(WaitResponse r) {
                Integer code = r.getStatusCode();
                exited.complete(code == null ? -1 : code);
            }

            @Override
            public void onError(Throwable t) {
                // The wait stream broke (daemon restarted, container removed): report the container as gone.
                log.warn("lost track of container: service={} instance={} id={} error={}", service, name, shortId(), t.toString());
                exited.complete(-1);
            }

            @Override
            public void onComplete() {
                exited.complete(-1);
            }
        });
        docker.logContainerCmd(containerId).withStdOut(true).withStdErr(true).withFollowStream(true)
                .exec(new OutputCopier());
        // A container that ended on its own is removed at once: its output is already in the master log, and a
        // restart creates a fresh container under the same name.
        exited.thenAcceptAsync(code -> {
            closeStats();
            if (removed.compareAndSet(false, true)) {
                log.debug("removing exited container: service={} instance={} id={} code={}", service, name, shortId(), code);
                stopAndRemove(docker, containerId, Duration.ZERO);
            }
        }, io);
    }

    String shortId() {
        return containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, Object> info() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", containerId);
        c.put("name", name);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("name", name);
        info.put("container", c);
        return info;
    }

    @Override
    public CompletableFuture<Integer> exited() {
        return exited;
    }

    @Override
    public void stop(Duration grace) {
        if (!removed.compareAndSet(false, true)) {
            return;
        }
        closeStats();
        stopAndRemove(docker, containerId, grace);
        exited.complete(-1);
    }

    /** docker stop (SIGTERM, then SIGKILL after grace), then a forced remove; a container already gone is fine. */
    static void stopAndRemove(DockerClient docker, String containerId, Duration grace) {
        try {
            docker.stopContainerCmd(containerId).withTimeout((int) Math.max(0, Math.min(Integer.MAX_VALUE, grace.toSeconds()))).exec();
        } catch (NotModifiedException | NotFoundException e) {
            // already stopped or gone
        } catch (RuntimeException e) {
            log.warn("docker stop failed, removing by force: id={} error={}", containerId, e.toString());
        }
        try {
            docker.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException e) {
            // gone already
        } catch (RuntimeException e) {
            log.error("cannot remove container: id={} error={}", containerId, e.toString());
        }
    }

    /**
     * The latest sample of docker's stats stream. The stream is opened on the first call (which waits up to 3 s for
     * a sample) and then kept: docker pushes a sample every second, so inspect never waits the second or two a
     * one-shot stats request takes, however many instances there are.
     */
    @Override
    public Map<String, Object> stats() {
        if (exited.isDone()) {
            return Map.of();
        }
        CompletableFuture<Void> first;
        synchronized (this) {
            if (statsStream == null) {
                firstSample = new CompletableFuture<>();
                statsStream = docker.statsCmd(containerId).exec(new StatsListener(firstSample));
            }
            first = firstSample;
        }
        try {
            first.get(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        } catch (Exception e) {
            log.debug("no stats yet for instance={} id={}: {}", name, shortId(), e.toString());
        }
        Statistics s = latestStats;
        return s == null ? Map.of() : DockerStats.of(s);
    }

    private void closeStats() {
        ResultCallback.Adapter<Statistics> stream;
        synchronized (this) {
            stream = statsStream;
        }
        if (stream != null) {
            try {
                stream.close();
            } catch (Exception e) {
                // the container is gone anyway
            }
        }
    }

    private final class StatsListener extends ResultCallback.Adapter<Statistics> {
        private final CompletableFuture<Void> first;

        StatsListener(CompletableFuture<Void> first) {
            this.first = first;
        }

        @Override
        public void onNext(Statistics s) {
            latestStats = s;
            first.complete(null);
        }

        @Override
        public void onError(Throwable t) {
            first.completeExceptionally(t);
            reopen();
        }

        @Override
        public void onComplete() {
            first.complete(null);
            reopen();
        }

        /** A broken stream of a live container is opened again at the next stats() call. */
        private void reopen() {
            synchronized (DockerInstance.this) {
                if (statsStream == this) {
                    statsStream = null;
                }
            }
        }
    }

    /**
     * Copies the container's stdout/stderr into the master log, one log line per output line, escaped; a line longer
     * than {@link #MAX_OUTPUT_LINE} bytes is logged in pieces, so a container cannot grow the master's memory.
     */
    private final class OutputCopier extends ResultCallback.Adapter<Frame> {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();

        @Override
        public void onNext(Frame frame) {
            boolean stderr = frame.getStreamType() == com.github.dockerjava.api.model.StreamType.STDERR;
            ByteArrayOutputStream buf = stderr ? err : out;
            for (byte b : frame.getPayload()) {
                if (b == '\n') {
                    flush(buf, stderr);
                } else {
                    buf.write(b);
                    if (buf.size() >= MAX_OUTPUT_LINE) {
                        flush(buf, stderr);
                    }
                }
            }
        }

        private void flush(ByteArrayOutputStream buf, boolean stderr) {
            if (buf.size() == 0) {
                return;
            }
            String line = buf.toString(StandardCharsets.UTF_8);
            buf.reset();
            // Both at info: modules log to stderr as a matter of course, so stderr is not a warning in itself.
            output.info("instance={} stream={} {}", name, stderr ? "stderr" : "stdout",
                    LogSafe.q(line, MAX_OUTPUT_LINE));
        }

        @Override
        public void onComplete() {
            flush(out, false);
            flush(err, true);
        }

        @Override
        public void onError(Throwable t) {
            onComplete();
        }
    }
}
