package io.baetyl.video;

import io.baetyl.sdk.Baetyl;
import io.baetyl.sdk.Context;
import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.mqtt.HubClient;
import io.baetyl.sdk.mqtt.MqttClientConfig;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * baetyl-video-infer: {@code -c etc/baetyl/service.yml}. Loads OpenCV and the model first (a missing library or
 * model file stops the module with exit 1 and a message naming it), then captures, infers and publishes until
 * SIGTERM/SIGINT, and exits 0.
 */
public final class VideoInferMain {
    /** How often the counters are logged and reported to the master. */
    static final long STATS_EVERY_SECONDS = 60;

    private VideoInferMain() {
    }

    public static void main(String[] args) {
        Baetyl.run(args, VideoInferMain::run);
    }

    static void run(Context ctx) throws Exception {
        VideoInferConfig cfg = ctx.loadConfig(VideoInferConfig.class);
        ctx.log().info("OpenCV {} loaded", OpenCv.load());
        Inference inference;
        try {
            inference = Inference.load(cfg.infer, cfg.process.before);
        } catch (IllegalArgumentException e) {
            // The model is part of the config: the same one-line error, naming the file and the key.
            throw new ConfigException(ctx.configFile() + ": " + e.getMessage(), e);
        }
        ctx.log().info("model loaded: model={} config={} backend={} device={}", cfg.infer.model, cfg.infer.config,
                cfg.infer.backend.isEmpty() ? "default" : cfg.infer.backend, cfg.infer.device);
        ServiceVolumes volumes = ServiceVolumes.detect(Path.of(""), System.getenv());
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "video-infer-stats");
            t.setDaemon(true);
            return t;
        });
        try (HubClient hub = new HubClient(hubConfig(cfg.hub, ctx), null).start();
             FunctionClients functions = new FunctionClients(cfg.functions);
             VideoInfer infer = new VideoInfer(cfg, inference, functions, hub, volumes).start()) {
            reporter.scheduleAtFixedRate(() -> {
                var stats = infer.stats();
                ctx.log().info("stats: {}", stats);
                ctx.reportInstance(stats);
            }, STATS_EVERY_SECONDS, STATS_EVERY_SECONDS, TimeUnit.SECONDS);
            ctx.awaitShutdown();
        } finally {
            reporter.shutdownNow();
        }
    }

    /**
     * The docs' chapter 11 config gives no {@code hub.clientid}; video-infer only publishes, so it then connects
     * with a clean session under its instance name instead of an empty id, which MQTT allows only for clean sessions.
     */
    static MqttClientConfig hubConfig(MqttClientConfig hub, Context ctx) {
        if (!hub.clientid.isEmpty()) {
            return hub;
        }
        String name = ctx.instanceName() == null || ctx.instanceName().isEmpty() ? "video-infer" : ctx.instanceName();
        MqttClientConfig c = hub.with(name.replaceAll("[^0-9A-Za-z_-]", "-"), null);
        c.cleansession = true;
        return c;
    }
}
