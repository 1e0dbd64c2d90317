package io.baetyl.hub.server;

import io.netty.channel.Channel;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import java.util.EnumSet;

/**
 * Why a connection's socket is not being read. Several parts of the hub stop reading a client for reasons of their
 * own; the socket is read again only once none of them still holds it, so that one part resuming cannot undo
 * another's pause (a hook queue that drained must not resume a client whose CONNECT is still being checked).
 */
public final class ReadGate {
    /** Who holds a connection's reads. */
    public enum Reason {
        /** The CONNECT is being authenticated or a taken-over session is closing. */
        CONNECTING,
        /** Too many ExHook calls of the client wait ({@code HookQueue}). */
        HOOK_CALLS,
        /** The retained messages' write-behind buffer is full ({@code RetainedStore}). */
        RETAINED_WRITES,
        /** The listeners' TLS is being set up, on the hub's first TLS connection ({@code TlsPending}). */
        TLS_SETUP
    }

    private static final AttributeKey<ReadGate> KEY = AttributeKey.valueOf("baetyl.readGate");

    private final Channel ch;
    private final EnumSet<Reason> holding = EnumSet.noneOf(Reason.class);

    private ReadGate(Channel ch) {
        this.ch = ch;
    }

    /** The connection's gate, made on first use. */
    public static ReadGate of(Channel ch) {
        Attribute<ReadGate> attr = ch.attr(KEY);
        ReadGate gate = attr.get();
        if (gate == null) {
            ReadGate made = new ReadGate(ch);
            gate = attr.setIfAbsent(made);
            if (gate == null) {
                gate = made;
            }
        }
        return gate;
    }

    /** Stops reading the socket until {@code why} is resumed (and every other reason too). */
    public synchronized void pause(Reason why) {
        holding.add(why);
        ch.config().setAutoRead(false);
    }

    /** {@code why} no longer holds the reads; the socket is read again if nothing else holds it. */
    public synchronized void resume(Reason why) {
        if (holding.remove(why) && holding.isEmpty()) {
            ch.config().setAutoRead(true);
        }
    }

    public synchronized boolean holds(Reason why) {
        return holding.contains(why);
    }
}
