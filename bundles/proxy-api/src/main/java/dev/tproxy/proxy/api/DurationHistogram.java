package dev.tproxy.proxy.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How long the connections that ended had lasted, in fixed buckets (a Prometheus histogram's shape).
 *
 * @param bucketCounts connections per bucket, not cumulative: one per bound of {@link #UPPER_BOUNDS} (lasted at
 *        most that, more than the bound before), then one for those that lasted longer than the last
 * @param sumNanos their durations added up
 */
public record DurationHistogram(List<Long> bucketCounts, long sumNanos) {
    public static final List<Duration> UPPER_BOUNDS = List.of(Duration.ofMillis(10), Duration.ofMillis(100),
            Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(10),
            Duration.ofHours(1));

    public DurationHistogram {
        if (bucketCounts.size() != UPPER_BOUNDS.size() + 1) {
            throw new IllegalArgumentException("one count per bound and one above: " + bucketCounts);
        }
        bucketCounts = List.copyOf(bucketCounts);
    }

    public static DurationHistogram empty() {
        return new DurationHistogram(new ArrayList<>(java.util.Collections.nCopies(UPPER_BOUNDS.size() + 1, 0L)), 0);
    }

    /** The bucket a connection that lasted {@code nanos} falls in. */
    public static int bucketOf(long nanos) {
        for (int i = 0; i < UPPER_BOUNDS.size(); i++) {
            if (nanos <= UPPER_BOUNDS.get(i).toNanos()) {
                return i;
            }
        }
        return UPPER_BOUNDS.size();
    }

    public long count() {
        return bucketCounts.stream().mapToLong(Long::longValue).sum();
    }

    public DurationHistogram plus(DurationHistogram other) {
        List<Long> sum = new ArrayList<>(bucketCounts.size());
        for (int i = 0; i < bucketCounts.size(); i++) {
            sum.add(bucketCounts.get(i) + other.bucketCounts.get(i));
        }
        return new DurationHistogram(sum, sumNanos + other.sumNanos);
    }
}
