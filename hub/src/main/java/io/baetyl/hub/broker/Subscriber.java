package io.baetyl.hub.broker;

/** Something the topic tree delivers in-memory (QoS 0) messages to: a client session or a topic route. */
public interface Subscriber {
    /** Called on the publisher's thread; must not block. */
    void deliverQos0(Message m);
}
