package dev.ember.functions.core.cache;

import dev.ember.pool.api.InferenceRequest;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Hot keys of this process only (running without Redis): at most {@code capacity} requests per
 * model; when full, a new key takes the place of the least counted one.
 */
public final class LocalHotKeys implements HotKeys {
    private record Entry(InferenceRequest request, LongAdder hits) {}

    private final int capacity;
    private final double sampleRate;
    private final Supplier<RandomGenerator> random;
    private final Map<String, Map<String, Entry>> byModel = new ConcurrentHashMap<>();

    public LocalHotKeys(int capacity, double sampleRate) {
        this(capacity, sampleRate, ThreadLocalRandom::current);
    }

    /** @param random where sampling draws from (a process restored from a snapshot re-seeds its own) */
    public LocalHotKeys(int capacity, double sampleRate, Supplier<RandomGenerator> random) {
        this.capacity = capacity;
        this.sampleRate = sampleRate;
        this.random = random;
    }

    @Override
    public void sample(String model, CacheKey key, InferenceRequest request) {
        if (sampleRate < 1 && random.get().nextDouble() >= sampleRate) {
            return;
        }
        Map<String, Entry> keys = byModel.computeIfAbsent(model, m -> new ConcurrentHashMap<>());
        Entry e = keys.get(key.hex());
        if (e == null) {
            if (keys.size() >= capacity) {
                keys.entrySet().stream()
                        .min(Comparator.comparingLong(x -> x.getValue().hits().sum()))
                        .ifPresent(least -> keys.remove(least.getKey()));
            }
            e = keys.computeIfAbsent(key.hex(), k -> new Entry(request, new LongAdder()));
        }
        e.hits().increment();
    }

    @Override
    public CompletableFuture<List<InferenceRequest>> top(String model, int count) {
        Map<String, Entry> keys = byModel.getOrDefault(model, Map.of());
        return CompletableFuture.completedFuture(keys.values().stream()
                .sorted(Comparator.comparingLong((Entry e) -> e.hits().sum()).reversed())
                .limit(count)
                .map(Entry::request)
                .toList());
    }
}
