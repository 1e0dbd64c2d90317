package io.baetyl.kafka;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A FIFO bounded both in count and in bytes. One consumer looks at the head, works on it and removes it only when
 * done, so a message that must be sent again keeps its place in the order. An item larger than the byte bound alone
 * is still taken when the queue is empty (otherwise it could never pass).
 */
final class BoundedQueue<E> {
    private record Item<E>(E value, long bytes) {
    }

    private final int maxCount;
    private final long maxBytes;
    private final ArrayDeque<Item<E>> items = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private long bytes;

    BoundedQueue(int maxCount, long maxBytes) {
        this.maxCount = maxCount;
        this.maxBytes = maxBytes;
    }

    private boolean fits(long size) {
        return items.isEmpty() || (items.size() < maxCount && bytes + size <= maxBytes);
    }

    /** Adds at the tail if there is room now. */
    boolean offer(E e, long size) {
        lock.lock();
        try {
            if (!fits(size)) {
                return false;
            }
            add(e, size);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Adds at the tail, waiting for room; false when {@code giveUp} said so (or interrupted) before there was room. */
    boolean put(E e, long size, java.util.function.BooleanSupplier giveUp) {
        lock.lock();
        try {
            while (!fits(size)) {
                if (giveUp.getAsBoolean()) {
                    return false;
                }
                notFull.await(200, TimeUnit.MILLISECONDS);
            }
            add(e, size);
            return true;
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    private void add(E e, long size) {
        items.addLast(new Item<>(e, size));
        bytes += size;
        notEmpty.signal();
    }

    /** The head without removing it, waiting up to {@code millis}; null if still empty. */
    E peek(long millis) throws InterruptedException {
        lock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
            while (items.isEmpty()) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            return items.peekFirst().value();
        } finally {
            lock.unlock();
        }
    }

    /** Removes the head (the item {@link #peek} returned). */
    void removeHead() {
        lock.lock();
        try {
            Item<E> it = items.pollFirst();
            if (it != null) {
                bytes -= it.bytes();
                notFull.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return items.size();
        } finally {
            lock.unlock();
        }
    }

    long bytes() {
        lock.lock();
        try {
            return bytes;
        } finally {
            lock.unlock();
        }
    }
}
