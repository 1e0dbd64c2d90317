package io.baetyl.hub.config;

import io.baetyl.sdk.config.ByteSize;
import java.time.Duration;

/** The hub's {@code message:} section and the budget types it shares with {@code storage:}. */
public class MessageConfig {
    public Length length = new Length();
    public Ingress ingress = new Ingress();
    public Egress egress = new Egress();
    public Offset offset = new Offset();
    /** Not in baetyl-hub: the retained messages' budget. */
    public Bounds retained = new Bounds();

    /**
     * Not in baetyl-hub: a budget in bytes ({@code size.max}) and in messages ({@code count.max}). Unset values are
     * derived from the heap or the disk when the hub starts (see {@link Limits}).
     */
    public static class Bounds {
        public SizeMax size = new SizeMax();
        public CountMax count = new CountMax();
    }

    public static class SizeMax {
        public ByteSize max;
    }

    public static class CountMax {
        public Long max;
    }

    public static class Length {
        public ByteSize max = ByteSize.ofBytes(32 * 1024);
    }

    public static class Buffer {
        public int size;

        public Buffer() {
        }

        public Buffer(int size) {
            this.size = size;
        }
    }

    public static class Batch {
        public int max;

        public Batch() {
        }

        public Batch(int max) {
            this.max = max;
        }
    }

    public static class Ingress {
        public Qos0 qos0 = new Qos0(10000);
        public IngressQos1 qos1 = new IngressQos1();
        /** New: QoS 1 and 2 publishes an MQTT 5 client may have unacknowledged (told as Receive Maximum). */
        public Inflight inflight = new Inflight();
    }

    public static class Inflight {
        public int max = 1024;
    }

    public static class Qos0 {
        public Buffer buffer;

        public Qos0() {
            this(10000);
        }

        public Qos0(int size) {
            buffer = new Buffer(size);
        }
    }

    public static class IngressQos1 {
        public Buffer buffer = new Buffer(100);
        public Batch batch = new Batch(50);
        public Cleanup cleanup = new Cleanup();
        /** Not in baetyl-hub: the newest logged messages kept on the heap for the sessions reading the log. */
        public Bounds cache = new Bounds();
    }

    public static class Cleanup {
        public Duration retention = Duration.ofHours(48);
        public Duration interval = Duration.ofMinutes(1);
    }

    public static class Egress {
        public EgressQos0 qos0 = new EgressQos0();
        public EgressQos1 qos1 = new EgressQos1();
    }

    /** {@code buffer.size} counts the messages queued for one session; the byte budgets are not in baetyl-hub. */
    public static class EgressQos0 extends Qos0 {
        /** Bytes queued for one session ({@code session.size.max}). */
        public SizeOnly session = new SizeOnly();
        /** Bytes queued for all sessions together ({@code total.size.max}). */
        public SizeOnly total = new SizeOnly();
    }

    public static class SizeOnly {
        public SizeMax size = new SizeMax();
    }

    public static class EgressQos1 {
        public Buffer buffer = new Buffer(100);
        public Batch batch = new Batch(50);
        public Retry retry = new Retry();
    }

    public static class Retry {
        public Duration interval = Duration.ofSeconds(20);
    }

    public static class Offset {
        public Buffer buffer = new Buffer(10000);
        public Batch batch = new Batch(100);
    }
}
