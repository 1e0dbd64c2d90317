package io.baetyl.hub.sys;

import io.baetyl.hub.broker.Broker;
import io.baetyl.hub.broker.Message;
import io.baetyl.hub.broker.Metrics;
import io.baetyl.hub.server.ClientListing;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The broker's own state on {@code $SYS/broker/...} topics, Mosquitto-style, published every {@code sys.interval}
 * as retained QoS 0 messages (kept in memory, never in the store). Only principals with a {@code sub} permit such as
 * {@code $SYS/#} can subscribe to them, and, as the MQTT spec says, a filter starting with a wildcard ({@code #},
 * {@code +/...}) never matches a topic starting with {@code $}.
 */
public final class SysTopics {
    public static final String PREFIX = "$SYS/broker/";

    private final Broker broker;
    private final String version;
    private final long startMillis = System.currentTimeMillis();

    public SysTopics(Broker broker, String version) {
        this.broker = broker;
        this.version = version;
    }

    /** The values of one interval, topic to text. */
    Map<String, String> values() {
        Metrics m = broker.metrics();
        long received = m.messagesInQos0.sum() + m.messagesInQos1.sum();
        long sent = m.messagesOutQos0.sum() + m.messagesOutQos1.sum();
        Map<String, String> v = new LinkedHashMap<>();
        v.put("version", version);
        v.put("uptime", (System.currentTimeMillis() - startMillis) / 1000 + " seconds");
        v.put("clients/connected", Long.toString(m.connections.get()));
        v.put("clients/total", Long.toString(broker.sessions().count()));
        v.put("connections/total", Long.toString(m.connectionsTotal.sum()));
        v.put("messages/received", Long.toString(received));
        v.put("messages/sent", Long.toString(sent));
        v.put("publish/messages/received", Long.toString(received));
        v.put("publish/messages/sent", Long.toString(sent));
        v.put("publish/messages/dropped", Long.toString(m.dropped.sum()));
        v.put("bytes/received", Long.toString(m.bytesIn.sum()));
        v.put("bytes/sent", Long.toString(m.bytesOut.sum()));
        v.put("subscriptions/count", Long.toString(ClientListing.subscriptionCount(broker)));
        v.put("retained messages/count", Long.toString(broker.retainedCount()));
        v.put("store/messages/count", Long.toString(broker.backlog()));
        return v;
    }

    /** Publishes the current values. */
    public void publish() {
        values().forEach((topic, value) -> broker.publish(new Message(PREFIX + topic,
                value.getBytes(StandardCharsets.UTF_8), 0, true, "$SYS"), null));
    }
}
