package io.baetyl.master.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.PullResponseItem;
import io.baetyl.master.config.NetworkSpec;
import io.baetyl.master.config.VolumeSpec;
import io.baetyl.master.security.LogSafe;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an app needs on the daemon before its containers start: its images (pulled when a registry answers, the local
 * ones used when none does), the {@code baetyl} bridge and the app's networks, and its named volumes. Everything it
 * creates is labelled {@code baetyl=baetyl}; what exists already is kept.
 */
final class DockerAppSetup {
    private static final Logger log = LoggerFactory.getLogger(DockerAppSetup.class);

    private final DockerClient docker;

    DockerAppSetup(DockerClient docker) {
        this.docker = docker;
    }

    /**
     * Pulls an image, logging progress per layer status change. No registry may be reachable (an offline edge
     * device, our build machines): then a local image is used as is, and only a missing one is an error.
     */
    void pull(String image) {
        long t0 = System.nanoTime();
        log.info("pulling image={}", LogSafe.q(image));
        String[] repoTag = repositoryAndTag(image);
        // An explicit tag: without one the API pulls every tag of the repository.
        PullProgress progress = docker.pullImageCmd(repoTag[0]).withTag(repoTag[1]).exec(new PullProgress(image));
        try {
            if (!progress.awaitCompletion(10, TimeUnit.MINUTES)) {
                log.warn("pull of image={} still running after 10m; not waiting for it", LogSafe.q(image));
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (progress.error == null) {
            log.info("image pulled: image={} took={}ms", LogSafe.q(image), (System.nanoTime() - t0) / 1_000_000);
        } else if (imageExists(image)) {
            log.info("image not pulled, using the local one: image={} reason={}", LogSafe.q(image),
                    LogSafe.q(DockerEngine.rootMessage(progress.error).trim()));
        } else {
            log.error("image not pulled and not present locally: image={} error={}", LogSafe.q(image),
                    LogSafe.q(DockerEngine.rootMessage(progress.error).trim()));
        }
    }

    /** {@code host:5000/a/b:tag} → [host:5000/a/b, tag]; no tag means latest; a digest stays on the repository. */
    static String[] repositoryAndTag(String image) {
        if (image.contains("@")) {
            return new String[] {image, null};
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        if (colon > slash) {
            return new String[] {image.substring(0, colon), image.substring(colon + 1)};
        }
        return new String[] {image, "latest"};
    }

    /** Logs each layer's status changes; keeps the error instead of letting docker-java log a stack trace. */
    private static final class PullProgress extends ResultCallback.Adapter<PullResponseItem> {
        private final String image;
        private final Map<String, String> lastStatus = new LinkedHashMap<>();
        private volatile Throwable error;

        PullProgress(String image) {
            this.image = image;
        }

        @Override
        public void onNext(PullResponseItem item) {
            if (item.getErrorDetail() != null || item.getError() != null) {
                error = new IllegalStateException(item.getErrorDetail() != null ? item.getErrorDetail().getMessage() : item.getError());
                return;
            }
            String status = item.getStatus();
            if (status != null && (item.getId() == null || !status.equals(lastStatus.put(item.getId(), status)))) {
                log.debug("pull image={} layer={} status={} {}", LogSafe.q(image), item.getId() == null ? "-" : item.getId(), status,
                        item.getProgress() == null ? "" : item.getProgress());
            }
        }

        @Override
        public void onError(Throwable t) {
            error = t;
            try {
                close();
            } catch (IOException e) {
                // nothing left to release
            }
        }
    }

    private boolean imageExists(String image) {
        try {
            docker.inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    /** The default {@code baetyl} bridge plus the app's networks, each labelled baetyl=baetyl; existing ones kept. */
    void initNetworks(Map<String, NetworkSpec> networks) {
        Map<String, NetworkSpec> all = new LinkedHashMap<>();
        all.put(DockerEngine.DEFAULT_NETWORK, new NetworkSpec());
        all.putAll(networks);
        all.forEach((name, spec) -> {
            NetworkSpec s = spec == null ? new NetworkSpec() : spec;
            try {
                com.github.dockerjava.api.model.Network existing = docker.inspectNetworkCmd().withNetworkId(name).exec();
                if (!s.driver.equals(existing.getDriver())) {
                    log.warn("network={} exists with driver={}, not {} as configured; using it as is", LogSafe.q(name),
                            existing.getDriver(), LogSafe.q(s.driver));
                }
                return;
            } catch (NotFoundException e) {
                // create it below
            } catch (RuntimeException e) {
                log.error("cannot inspect network={}: {}", LogSafe.q(name), LogSafe.q(DockerEngine.rootMessage(e)));
                return;
            }
            Map<String, String> labels = new LinkedHashMap<>(s.labels);
            labels.put(DockerEngine.LABEL_BAETYL, DockerEngine.LABEL_BAETYL);
            try {
                docker.createNetworkCmd().withName(name).withDriver(s.driver).withOptions(s.driverOpts)
                        .withLabels(labels).withCheckDuplicate(true).exec();
                log.info("network created: network={} driver={}", LogSafe.q(name), LogSafe.q(s.driver));
            } catch (ConflictException e) {
                log.debug("network={} was created concurrently", LogSafe.q(name));
            } catch (RuntimeException e) {
                log.error("cannot create network={}: {}", LogSafe.q(name), LogSafe.q(DockerEngine.rootMessage(e)));
            }
        });
    }

    void initVolumes(Map<String, VolumeSpec> volumes) {
        volumes.forEach((name, spec) -> {
            VolumeSpec s = spec == null ? new VolumeSpec() : spec;
            try {
                var existing = docker.inspectVolumeCmd(name).exec();
                if (!s.driver.equals(existing.getDriver())) {
                    log.error("volume={} exists with driver={}, not {} as configured; using it as is", LogSafe.q(name),
                            existing.getDriver(), LogSafe.q(s.driver));
                }
                return;
            } catch (NotFoundException e) {
                // create it below
            } catch (RuntimeException e) {
                log.error("cannot inspect volume={}: {}", LogSafe.q(name), LogSafe.q(DockerEngine.rootMessage(e)));
                return;
            }
            Map<String, String> labels = new LinkedHashMap<>(s.labels);
            labels.put(DockerEngine.LABEL_BAETYL, DockerEngine.LABEL_BAETYL);
            try {
                docker.createVolumeCmd().withName(name).withDriver(s.driver).withDriverOpts(s.driverOpts).withLabels(labels).exec();
                log.info("volume created: volume={} driver={}", LogSafe.q(name), LogSafe.q(s.driver));
            } catch (RuntimeException e) {
                log.error("cannot create volume={}: {}", LogSafe.q(name), LogSafe.q(DockerEngine.rootMessage(e)));
            }
        });
    }
}
