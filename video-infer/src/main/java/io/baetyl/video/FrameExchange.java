package io.baetyl.video;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Hands frames from the capture thread to the processing thread through one slot, with a fixed set of frame
 * buffers, so frames can never pile up:
 * <ul>
 *   <li><b>newest wins</b> (cameras and streams): a frame captured while the previous one still waits replaces
 *       it, and the replaced one is counted; capture never waits, so a live source is drained at its own pace
 *       however slow the function is. Three buffers: one processed, one waiting, one being filled.</li>
 *   <li><b>in order</b> (files): capture waits until the processing thread took the waiting frame, so every
 *       sampled frame of a file is inferred. Two buffers.</li>
 * </ul>
 */
final class FrameExchange {
    private final boolean newestWins;
    private final List<Frame> all = new ArrayList<>();
    private final Deque<Frame> free = new ArrayDeque<>();
    private Frame waiting;
    private boolean ended;
    private boolean closed;
    private long replaced;

    FrameExchange(boolean newestWins) {
        this.newestWins = newestWins;
        int frames = newestWins ? 3 : 2;
        for (int i = 0; i < frames; i++) {
            Frame f = new Frame();
            all.add(f);
            free.add(f);
        }
    }

    /** A buffer to capture into (capture thread); null once closed. */
    synchronized Frame acquire() throws InterruptedException {
        while (!closed && (free.isEmpty() || (!newestWins && waiting != null))) {
            wait();
        }
        return closed ? null : free.poll();
    }

    /** Offers a captured frame; with newest-wins a frame still waiting goes back unprocessed. */
    synchronized void offer(Frame f) {
        if (waiting != null) {
            free.add(waiting);
            replaced++;
        }
        waiting = f;
        notifyAll();
    }

    /** Gives back a buffer the capture thread did not fill. */
    synchronized void giveBack(Frame f) {
        free.add(f);
        notifyAll();
    }

    /** No more frames will come (a file ended); {@link #take} returns null after the last one. */
    synchronized void end() {
        ended = true;
        notifyAll();
    }

    /**
     * The next frame (processing thread), waiting up to {@code timeoutMillis}; null on timeout, when closed, or
     * when the source ended and everything was taken (see {@link #ended()}).
     */
    synchronized Frame take(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (waiting == null && !closed && !ended) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return null;
            }
            wait(left);
        }
        if (closed) {
            return null;
        }
        Frame f = waiting;
        waiting = null;
        notifyAll();
        return f;
    }

    /** Returns a processed frame's buffer. */
    synchronized void recycle(Frame f) {
        free.add(f);
        notifyAll();
    }

    /** True when the source ended and its last frame was taken. */
    synchronized boolean ended() {
        return ended && waiting == null;
    }

    /** Frames replaced by a newer one before they were processed. */
    synchronized long replaced() {
        return replaced;
    }

    /** Wakes both threads; they return null from then on. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }

    /** Releases the native buffers; only once neither thread uses a frame any more. */
    synchronized void releaseAll() {
        for (Frame f : all) {
            f.mat.release();
        }
    }
}
