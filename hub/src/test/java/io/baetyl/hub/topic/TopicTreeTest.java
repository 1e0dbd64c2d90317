package io.baetyl.hub.topic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicTreeTest {
    @Test
    void matchesExactPlusAndHash() {
        TopicTree<String, String> t = new TopicTree<>();
        t.add("a/b", "k1", "exact");
        t.add("a/+", "k2", "plus");
        t.add("a/#", "k3", "hash");
        t.add("#", "k4", "all");
        t.add("+/b/#", "k5", "mixed");
        assertThat(t.match("a/b")).containsExactlyInAnyOrder("exact", "plus", "hash", "all", "mixed");
        assertThat(t.match("a")).containsExactlyInAnyOrder("hash", "all");
        assertThat(t.match("a/c")).containsExactlyInAnyOrder("plus", "hash", "all");
        assertThat(t.match("x/b")).containsExactlyInAnyOrder("all", "mixed");
        assertThat(t.match("x/b/c/d")).containsExactlyInAnyOrder("all", "mixed");
        assertThat(t.match("b")).containsExactlyInAnyOrder("all");
    }

    @Test
    void wildcardsAtTheFirstLevelDoNotMatchDollarTopics() {
        TopicTree<String, String> t = new TopicTree<>();
        t.add("#", "k1", "all");
        t.add("+/broker/#", "k2", "plus");
        t.add("$SYS/#", "k3", "sys");
        t.add("$SYS/broker/+", "k4", "sys-plus");
        assertThat(t.match("$SYS/broker/uptime")).containsExactlyInAnyOrder("sys", "sys-plus");
        assertThat(t.match("x/broker/uptime")).containsExactlyInAnyOrder("all", "plus");
    }

    @Test
    void sameKeyReplacesAndRemovePrunes() {
        TopicTree<String, Integer> t = new TopicTree<>();
        t.add("a/b", "k", 0);
        t.add("a/b", "k", 1);
        assertThat(t.match("a/b")).containsExactly(1);
        assertThat(t.remove("a/b", "k")).isTrue();
        assertThat(t.remove("a/b", "k")).isFalse();
        assertThat(t.match("a/b")).isEmpty();
        assertThat(t.isEmpty()).isTrue();
    }

    @Test
    void emptyLevels() {
        TopicTree<String, String> t = new TopicTree<>();
        t.add("/+", "k", "v");
        t.add("a/+", "k2", "v2");
        assertThat(t.match("/x")).containsExactly("v");
        assertThat(t.match("a/")).containsExactly("v2");
        assertThat(t.match("x")).isEmpty();
    }
}
