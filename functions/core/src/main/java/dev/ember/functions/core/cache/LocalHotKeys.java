package dev.ember.functions.core.cache;

import dev.ember.pool.api.InferenceRequest;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * Hot keys of this process only (running without Redis): at most {@code capacity} requests per
 * model; when full, a new key takes the place of the least counted one.
 */
public final class LocalHotKeys implements HotKeys {
    private record Entry(InferenceRequest request, LongAdder hits) {}

    private final int capacity;
    private final double sampleRate;
    private final Map<String, Map<String, Entry>> byModel = new ConcurrentHashMap<>();

    public LocalHotKeys(int capacity, double sampleRate) {
        this.capacity = capacity;
        this.sampleRate = sampleRate;
    }

    @Override
    public void sample(String model, CacheKey key, InferenceRequest request) {
        if (sampleRate < 1 && ThreadLocalRandom.current().nextDouble() >= sampleRate) {
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
