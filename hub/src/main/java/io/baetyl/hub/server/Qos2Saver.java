package io.baetyl.hub.server;

import io.baetyl.hub.broker.Broker;

/**
 * Writes a persistent session's QoS 2 record ({@link io.baetyl.hub.broker.InflightStore}) and, after it, the
 * session's offset: the record is never behind the offset the store commits, so a restart never resends a message
 * whose delivery completed. Event-loop only.
 *
 * <p>Before a packet that depends on the record leaves (PUBLISH, PUBREL) it is written {@link #now()}; a packet id
 * taken into the record for an inbound message is {@link #pending()} (the QoS 1 log's flush writes it before the
 * message). What no packet depends on (a completion, an offset move, a PUBREL in) is saved {@link #soon()}: once at
 * the end of this event-loop round, for all the acks of a socket read, instead of once per ack (each save encodes the
 * whole record).
 */
final class Qos2Saver {
    private final Session session;
    private final Broker broker;
    private boolean dirty;
    private long savedOffset = -1;

    Qos2Saver(Session session, Broker broker) {
        this.session = session;
        this.broker = broker;
    }

    /**
     * In the journal (safe from a kill -9) when this returns, and so are the session's subscriptions: a restored
     * record without them would leave its deliveries nothing to follow.
     */
    void now() {
        broker.commitSubscriptions();
        save(true);
    }

    /** In the journal with its next write (the QoS 1 log's flush, the store thread, or a {@link #now()}). */
    void pending() {
        save(false);
    }

    /** Like {@link #pending()}, at the end of this event-loop round. */
    void soon() {
        if (!dirty) {
            dirty = true;
            session.ch.eventLoop().execute(() -> {
                if (dirty && !session.ended()) {
                    save(false);
                }
            });
        }
    }

    private void save(boolean now) {
        dirty = false;
        var r = session.qos2;
        r.offset = session.out.ackedOffset();
        broker.inflight().put(session.clientId(), r, now);
        if (r.offset != savedOffset) {
            savedOffset = r.offset;
            broker.saveOffset(session.clientId(), r.offset);
        }
    }
}
