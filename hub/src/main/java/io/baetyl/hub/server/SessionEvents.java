package io.baetyl.hub.server;

import io.baetyl.hub.broker.Message;

/**
 * What happens in a session, told to whoever wants to know (the log today; extension hooks may add themselves here).
 * Every method is called on the session's event loop and must not block.
 */
interface SessionEvents {
    default void connected(Session s, boolean sessionPresent, int keepAlive) {
    }

    default void disconnected(Session s, boolean graceful) {
    }

    default void subscribed(Session s, String filter, int grantedQos) {
    }

    default void unsubscribed(Session s, String filter) {
    }

    /** A message was written to the client (QoS 0 sent, or QoS 1/2 sent for the first time). */
    default void delivered(Session s, Message m, int qos) {
    }

    /** The client acknowledged a delivery (PUBACK, or PUBCOMP for QoS 2). */
    default void acked(Session s, int packetId) {
    }

    /** The debug log of a session's life. */
    SessionEvents LOG = new SessionEvents() {
        private final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Session.class);

        @Override
        public void connected(Session s, boolean present, int keepAlive) {
            log.debug("client connected: clientId={}, remote={}, username={}, clean={}, keepAlive={}, sessionPresent={}",
                    s.clientId(), s.remote, s.account.username(), !s.persistent, keepAlive, present);
        }

        @Override
        public void disconnected(Session s, boolean graceful) {
            log.debug("session closed: clientId={}, graceful={}", s.clientId(), graceful);
        }
    };
}
