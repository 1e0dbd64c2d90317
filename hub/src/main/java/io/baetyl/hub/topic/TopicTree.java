package io.baetyl.hub.topic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * Subscription trie: one node per topic level, '+' and '#' stored as ordinary children and followed while matching.
 * Values are keyed so that the same key subscribing twice to one filter replaces its value (MQTT's "replace the
 * existing subscription" rule). One read/write lock: matching is far more frequent than subscribing.
 */
public final class TopicTree<K, V> {
    private final Node<K, V> root = new Node<>();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    private static final class Node<K, V> {
        Map<String, Node<K, V>> children;
        Map<K, V> values;

        boolean isEmpty() {
            return (children == null || children.isEmpty()) && (values == null || values.isEmpty());
        }
    }

    /** Adds or replaces the value of {@code key} at {@code filter}. */
    public void add(String filter, K key, V value) {
        Objects.requireNonNull(value);
        lock.writeLock().lock();
        try {
            Node<K, V> n = root;
            for (String level : filter.split("/", -1)) {
                if (n.children == null) {
                    n.children = new HashMap<>(4);
                }
                n = n.children.computeIfAbsent(level, l -> new Node<>());
            }
            if (n.values == null) {
                n.values = new HashMap<>(4);
            }
            n.values.put(key, value);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes {@code key} from {@code filter}; returns true if it was there. */
    public boolean remove(String filter, K key) {
        lock.writeLock().lock();
        try {
            return remove(root, filter.split("/", -1), 0, key);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private boolean remove(Node<K, V> n, String[] levels, int i, K key) {
        if (i == levels.length) {
            return n.values != null && n.values.remove(key) != null;
        }
        Node<K, V> c = n.children == null ? null : n.children.get(levels[i]);
        if (c == null) {
            return false;
        }
        boolean removed = remove(c, levels, i + 1, key);
        if (removed && c.isEmpty()) {
            n.children.remove(levels[i]);
        }
        return removed;
    }

    /** Calls {@code sink} for every value whose filter matches {@code topic}; a key matched by several filters is seen several times. */
    public void match(String topic, Consumer<V> sink) {
        String[] levels = topic.split("/", -1);
        lock.readLock().lock();
        try {
            match(root, levels, 0, sink);
        } finally {
            lock.readLock().unlock();
        }
    }

    public List<V> match(String topic) {
        List<V> out = new ArrayList<>();
        match(topic, out::add);
        return out;
    }

    private void match(Node<K, V> n, String[] levels, int i, Consumer<V> sink) {
        if (i == 0 && !levels[0].isEmpty() && levels[0].charAt(0) == '$') {
            // MQTT 3.1.1 4.7.2: '#' and '+' at the first level do not match topics starting with '$'
            Node<K, V> exact = n.children == null ? null : n.children.get(levels[0]);
            if (exact != null) {
                match(exact, levels, 1, sink);
            }
            return;
        }
        if (n.children == null) {
            if (i == levels.length && n.values != null) {
                n.values.values().forEach(sink);
            }
            return;
        }
        Node<K, V> hash = n.children.get("#");
        if (hash != null && hash.values != null) {
            // '#' also matches the parent level itself ("a/#" matches "a")
            hash.values.values().forEach(sink);
        }
        if (i == levels.length) {
            if (n.values != null) {
                n.values.values().forEach(sink);
            }
            return;
        }
        Node<K, V> exact = n.children.get(levels[i]);
        if (exact != null) {
            match(exact, levels, i + 1, sink);
        }
        Node<K, V> plus = n.children.get("+");
        if (plus != null) {
            match(plus, levels, i + 1, sink);
        }
    }

    public boolean isEmpty() {
        lock.readLock().lock();
        try {
            return root.isEmpty();
        } finally {
            lock.readLock().unlock();
        }
    }
}
