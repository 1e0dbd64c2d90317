package io.baetyl.hub.server;

/** Names of the handlers in a hub channel pipeline, in pipeline order. */
public final class PipelineNames {
    public static final String PROXY_DETECTOR = "proxyDetector";
    public static final String PROXY_DECODER = "proxyDecoder";
    public static final String PROXY_HEADER = "proxyHeader";
    public static final String SSL = "ssl";
    public static final String HTTP_CODEC = "httpCodec";
    public static final String HTTP_AGGREGATOR = "httpAggregator";
    public static final String WEBSOCKET = "websocket";
    public static final String WS_PATH_GUARD = "wsPathGuard";
    public static final String WS_FRAMES = "wsFrames";
    public static final String BYTE_COUNTER = "byteCounter";
    /** The keep-alive timer, added once CONNECT has set the keep-alive. */
    public static final String IDLE = "idle";
    public static final String DECODER = "mqttDecoder";
    public static final String ENCODER = "mqttEncoder";
    public static final String CONNECT_DEADLINE = "connectDeadline";
    public static final String CONNECTION = "mqttConnection";

    private PipelineNames() {
    }
}
