package io.baetyl.hub.broker;

import io.baetyl.hub.topic.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Shared subscriptions {@code $share/{group}/{filter}} (MQTT 5 §4.8.2): each message matching a group's filter goes to
 * one of the group's connected members, round robin.
 *
 * <p>QoS 0 goes through the topic tree, where the group is one subscriber that hands each message to its next member.
 * QoS 1 and 2 are read from the log by every session on its own; when a batch is committed, {@link #assign} gives
 * each matching message an owner (the next connected member, or nobody when none is connected), and a member's
 * session delivers a logged message for its shared subscription only if {@link #owns} says it is the owner. A message
 * assigned to nobody goes to the first member that reads it (a persistent member that reconnects). A message the
 * group does not know (committed before the group existed, i.e. before a hub restart, or beyond the last
 * {@link #ASSIGNMENTS_MAX} assignments) is delivered to every member that reads it: at least once, never lost.
 *
 * <p>A member that disconnects before acknowledging keeps what it was given (as Mosquitto does): a persistent session
 * gets it again when it reconnects, a clean session's share is gone with it.
 */
public final class SharedSubscriptions {
    /** Assignments (log position → owner) a group remembers; the oldest are forgotten beyond it (16 bytes each). */
    public static final int ASSIGNMENTS_MAX = 65_536;
    private static final String NOBODY = "";

    private final Map<String, Group> groups = new ConcurrentHashMap<>();

    /** One group of one filter: its connected members and who owns which logged message. */
    public static final class Group implements Subscriber {
        final String key;
        final String filter;
        private final List<Member> members = new ArrayList<>();
        private int next;
        // a ring of (seq, owner), seqs ascending
        private long[] seqs = new long[64];
        private String[] owners = new String[64];
        private int head;
        private int size;

        Group(String key, String filter) {
            this.key = key;
            this.filter = filter;
        }

        private record Member(String clientId, Subscriber target) {
        }

        synchronized void add(String clientId, Subscriber target) {
            members.removeIf(m -> m.target == target);
            members.add(new Member(clientId, target));
        }

        synchronized boolean remove(Subscriber target) {
            members.removeIf(m -> m.target == target);
            return members.isEmpty();
        }

        synchronized int memberCount() {
            return members.size();
        }

        private Member nextMember() {
            if (members.isEmpty()) {
                return null;
            }
            next = (next + 1) % members.size();
            return members.get(next);
        }

        @Override
        public void deliverQos0(Message m) {
            Member t;
            synchronized (this) {
                t = nextMember();
            }
            if (t != null) {
                t.target.deliverQos0(m);
            }
        }

        synchronized void assign(long seq) {
            Member m = nextMember();
            if (size == seqs.length) {
                if (size < ASSIGNMENTS_MAX) {
                    grow();
                } else {
                    head = (head + 1) % seqs.length; // forget the oldest
                    size--;
                }
            }
            int i = (head + size) % seqs.length;
            seqs[i] = seq;
            owners[i] = m == null ? NOBODY : m.clientId;
            size++;
        }

        private void grow() {
            long[] s = new long[seqs.length * 2];
            String[] o = new String[seqs.length * 2];
            for (int k = 0; k < size; k++) {
                s[k] = seqs[(head + k) % seqs.length];
                o[k] = owners[(head + k) % seqs.length];
            }
            seqs = s;
            owners = o;
            head = 0;
        }

        synchronized boolean owns(long seq, String clientId) {
            int lo = 0;
            int hi = size - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                int i = (head + mid) % seqs.length;
                if (seqs[i] < seq) {
                    lo = mid + 1;
                } else if (seqs[i] > seq) {
                    hi = mid - 1;
                } else {
                    if (owners[i].equals(NOBODY)) {
                        owners[i] = clientId; // nobody was connected: the first member to read it takes it
                    }
                    return owners[i].equals(clientId);
                }
            }
            // unknown: older than what the group remembers (or than the group): delivered rather than lost
            return size == 0 || seq < seqs[head];
        }
    }

    /**
     * Adds {@code target} (the session of {@code clientId}) to the group of {@code key}; {@code created} is called
     * with a new group (to put it in the topic tree) before anyone else can use it.
     */
    void join(String key, Topics.Shared shared, String clientId, Subscriber target, Consumer<Group> created) {
        groups.compute(key, (k, g) -> {
            if (g == null) {
                g = new Group(k, shared.filter());
                created.accept(g);
            }
            g.add(clientId, target);
            return g;
        });
    }

    /** Removes {@code target} from the group of {@code key}; {@code emptied} is called with a group left empty. */
    void leave(String key, Subscriber target, Consumer<Group> emptied) {
        groups.computeIfPresent(key, (k, g) -> {
            if (g.remove(target)) {
                emptied.accept(g);
                return null;
            }
            return g;
        });
    }

    /** Gives each message of a committed batch matching a group's filter an owner (on the store thread, in order). */
    void assign(List<Message> batch) {
        if (groups.isEmpty()) {
            return;
        }
        for (Group g : groups.values()) {
            for (Message m : batch) {
                if (Topics.matches(g.filter, m.topic)) {
                    g.assign(m.seq);
                }
            }
        }
    }

    /** Whether {@code clientId} is to deliver the logged message at {@code seq} for its shared subscription {@code key}. */
    public boolean owns(String key, long seq, String clientId) {
        Group g = groups.get(key);
        return g == null || g.owns(seq, clientId);
    }

    public int groupCount() {
        return groups.size();
    }
}
