package io.baetyl.master.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot.StateSetDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Collects data points of one scrape by metric name, then builds the Prometheus client's snapshots. Metric names
 * are given without {@code _total} (the client's text writer adds it to counters) and end with their unit. A data
 * point whose labels repeat within a metric is dropped (the first one wins): reports from outside must not break
 * the scrape.
 */
final class Families {
    private enum Type { COUNTER, GAUGE, SUMMARY, STATESET, INFO }

    private record Point(Labels labels, double value, long count, Map<String, Boolean> states) {
    }

    private static final class Family {
        final Type type;
        final String help;
        final Unit unit;
        final List<Point> points = new ArrayList<>();
        final Set<Labels> seen = new HashSet<>();

        Family(Type type, String help, Unit unit) {
            this.type = type;
            this.help = help;
            this.unit = unit;
        }
    }

    private final Map<String, Family> byName = new LinkedHashMap<>();

    void counter(String name, String help, Unit unit, Labels labels, double value) {
        add(name, Type.COUNTER, help, unit, new Point(labels, Math.max(0, value), 0, null));
    }

    void gauge(String name, String help, Unit unit, Labels labels, double value) {
        add(name, Type.GAUGE, help, unit, new Point(labels, value, 0, null));
    }

    /** A summary without quantiles: how many observations and their sum. */
    void summary(String name, String help, Unit unit, Labels labels, long count, double sum) {
        add(name, Type.SUMMARY, help, unit, new Point(labels, Math.max(0, sum), Math.max(0, count), null));
    }

    void stateSet(String name, String help, Labels labels, Map<String, Boolean> states) {
        add(name, Type.STATESET, help, null, new Point(labels, 0, 0, states));
    }

    /** An info metric ({@code name_info 1}); {@code name} without {@code _info}. */
    void info(String name, String help, Labels labels) {
        add(name, Type.INFO, help, null, new Point(labels, 1, 0, null));
    }

    private void add(String name, Type type, String help, Unit unit, Point p) {
        if (Double.isNaN(p.value())) {
            return;
        }
        Family f = byName.computeIfAbsent(name, n -> new Family(type, help, unit));
        if (f.type != type) {
            throw new IllegalStateException("metric " + name + " is a " + f.type + ", not a " + type);
        }
        if (f.seen.add(p.labels())) {
            f.points.add(p);
        }
    }

    MetricSnapshots build() {
        List<MetricSnapshot> out = new ArrayList<>();
        byName.forEach((name, f) -> {
            if (!f.points.isEmpty()) {
                out.add(snapshot(name, f));
            }
        });
        return new MetricSnapshots(out);
    }

    private static MetricSnapshot snapshot(String name, Family f) {
        switch (f.type) {
            case COUNTER: {
                CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(f.help);
                unit(f, b::unit);
                f.points.forEach(p -> b.dataPoint(CounterDataPointSnapshot.builder().labels(p.labels())
                        .value(p.value()).build()));
                return b.build();
            }
            case GAUGE: {
                GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(f.help);
                unit(f, b::unit);
                f.points.forEach(p -> b.dataPoint(GaugeDataPointSnapshot.builder().labels(p.labels())
                        .value(p.value()).build()));
                return b.build();
            }
            case SUMMARY: {
                SummarySnapshot.Builder b = SummarySnapshot.builder().name(name).help(f.help);
                unit(f, b::unit);
                f.points.forEach(p -> b.dataPoint(SummaryDataPointSnapshot.builder().labels(p.labels())
                        .count(p.count()).sum(p.value()).build()));
                return b.build();
            }
            case STATESET: {
                StateSetSnapshot.Builder b = StateSetSnapshot.builder().name(name).help(f.help);
                f.points.forEach(p -> {
                    StateSetDataPointSnapshot.Builder d = StateSetDataPointSnapshot.builder().labels(p.labels());
                    p.states().forEach(d::state);
                    b.dataPoint(d.build());
                });
                return b.build();
            }
            default: {
                InfoSnapshot.Builder b = InfoSnapshot.builder().name(name).help(f.help);
                f.points.forEach(p -> b.dataPoint(InfoDataPointSnapshot.builder().labels(p.labels()).build()));
                return b.build();
            }
        }
    }

    private static void unit(Family f, Function<Unit, ?> setter) {
        if (f.unit != null) {
            setter.apply(f.unit);
        }
    }
}
