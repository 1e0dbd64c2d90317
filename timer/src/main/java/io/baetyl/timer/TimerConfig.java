package io.baetyl.timer;

import io.baetyl.sdk.config.Validated;
import io.baetyl.sdk.log.LoggerConfig;
import io.baetyl.sdk.mqtt.MqttClientConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The timer's {@code service.yml}; keys and defaults are those of baetyl-timer 1.x. */
public class TimerConfig implements Validated {
    public MqttClientConfig hub = new MqttClientConfig();
    public Timer timer = new Timer();
    public Publish publish = new Publish();
    public LoggerConfig logger = new LoggerConfig();
    // Keys every Baetyl service.yml may carry; accepted so they do not warn.
    public String id;
    public String name;

    public static class Timer {
        public Duration interval = Duration.ofMinutes(1);
    }

    public static class Publish {
        public String topic = "timer";
        public int qos;
        /** Published as JSON with {@code time} (unix seconds) added. */
        public Map<String, Object> payload = new LinkedHashMap<>();
    }

    @Override
    public void validate() {
        hub.validate("hub");
        if (hub.clientid.isEmpty() && !hub.cleansession) {
            // A broker must refuse an empty client id for a persistent session; say so before connecting forever.
            throw new IllegalArgumentException("hub.clientid: is required when hub.cleansession is false");
        }
        if (timer.interval == null || timer.interval.isNegative() || timer.interval.isZero()) {
            throw new IllegalArgumentException("timer.interval: must be positive, got " + timer.interval);
        }
        if (publish.qos < 0 || publish.qos > 1) {
            throw new IllegalArgumentException("publish.qos: must be 0 or 1, got " + publish.qos);
        }
        if (publish.topic == null || publish.topic.isEmpty()) {
            throw new IllegalArgumentException("publish.topic: is required");
        }
        if (publish.topic.contains("+") || publish.topic.contains("#")) {
            throw new IllegalArgumentException("publish.topic: wildcards are not allowed in a publish topic, got '"
                    + publish.topic + "'");
        }
    }
}
