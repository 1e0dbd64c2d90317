package io.baetyl.hub.broker;

/** A consumer of the QoS 1 log that reads at its own pace (a client session with subscriptions). */
public interface LogReader {
    /** New messages were committed; called on the persister thread, must only schedule work. */
    void signalLog();

    /** The log position up to which this reader has everything acknowledged; any thread. */
    long consumedUpTo();
}
