package dev.ember.warmup.prewarm;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a {@link RateHistory} keeps its closed minutes, so a process that is replaced does not lose
 * the days of seasonality its forecast learned. Bounded: a store keeps only the newest {@link
 * #capacity()} minutes of each model. {@link RedisRateHistoryStore} is the durable one.
 */
public interface RateHistoryStore {
    /** Three days: two to prime the daily season, one to keep refining it. */
    int DEFAULT_CAPACITY = 3 * 1440;

    /** Keeps nothing: a history that starts empty every time. */
    RateHistoryStore NONE = new RateHistoryStore() {
        @Override
        public List<MinuteCount> load(String model) {
            return List.of();
        }

        @Override
        public void append(String model, MinuteCount minute) {}

        @Override
        public int capacity() {
            return 0;
        }
    };

    /** The model's closed minutes, oldest first (at most {@link #capacity()}); empty if none or unreachable. */
    List<MinuteCount> load(String model);

    /**
     * Adds a closed minute, dropping the oldest beyond capacity. Must not block the caller on I/O
     * for long; a store that cannot write drops the minute (a forecast with a gap, not an outage).
     */
    void append(String model, MinuteCount minute);

    int capacity();

    /** A store in this process's memory: survives a pool being rebuilt, not a restart. */
    static RateHistoryStore inMemory(int capacity) {
        return new InMemory(capacity);
    }

    final class InMemory implements RateHistoryStore {
        private final int capacity;
        private final Map<String, Deque<MinuteCount>> minutes = new ConcurrentHashMap<>();

        InMemory(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity must be ≥ 1, was " + capacity);
            }
            this.capacity = capacity;
        }

        @Override
        public List<MinuteCount> load(String model) {
            Deque<MinuteCount> d = minutes.get(model);
            if (d == null) {
                return List.of();
            }
            synchronized (d) {
                return List.copyOf(d);
            }
        }

        @Override
        public void append(String model, MinuteCount minute) {
            Deque<MinuteCount> d = minutes.computeIfAbsent(model, m -> new ArrayDeque<>());
            synchronized (d) {
                d.addLast(minute);
                while (d.size() > capacity) {
                    d.removeFirst();
                }
            }
        }

        @Override
        public int capacity() {
            return capacity;
        }
    }
}
