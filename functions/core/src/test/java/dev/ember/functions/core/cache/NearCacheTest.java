package dev.ember.functions.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.config.CachePolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NearCacheTest {
    private final CacheKey key = CacheKey.of("m", "1", InferenceRequest.of(Tensor.ofFloats("x", new long[] {1}, 1)));
    private final InferenceResponse answer =
            new InferenceResponse("m", "1", null, Parameters.EMPTY, List.of(Tensor.ofFloats("y", new long[] {1}, 2)));
    private Instant now = Instant.parse("2026-11-24T12:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    };

    /** The shared tier, counting its reads. */
    private final AtomicInteger sharedReads = new AtomicInteger();

    private final LocalResponseCache sharedStore = new LocalResponseCache(1 << 20, clock);
    private final ResponseCache shared = new ResponseCache() {
        @Override
        public CompletableFuture<Optional<CachedEntry>> get(CacheKey k) {
            sharedReads.incrementAndGet();
            return sharedStore.get(k);
        }

        @Override
        public CompletableFuture<Void> put(CacheKey k, InferenceResponse r, CachePolicy p) {
            return sharedStore.put(k, r, p);
        }
    };

    @Test
    void aFreshAnswerIsServedInProcessWithoutTheSharedTier() throws Exception {
        NearCache cache = new NearCache(shared, 100, Duration.ofSeconds(30), clock, new SimpleMeterRegistry());
        cache.put(key, answer, new CachePolicy(true, Duration.ofSeconds(10), Duration.ofHours(1), 1 << 20));
        for (int i = 0; i < 5; i++) {
            assertThat(cache.get(key).get())
                    .hasValueSatisfying(e -> assertThat(e.response()).isEqualTo(answer));
        }
        assertThat(sharedReads.get()).isZero();
    }

    @Test
    void oncePastItsFreshnessTheAnswerComesFromTheSharedTierAsStale() throws Exception {
        NearCache cache = new NearCache(shared, 100, Duration.ofSeconds(30), clock, new SimpleMeterRegistry());
        cache.put(key, answer, new CachePolicy(true, Duration.ofSeconds(10), Duration.ofHours(1), 1 << 20));
        now = now.plusSeconds(11);
        Optional<CachedEntry> entry = cache.get(key).get();
        assertThat(sharedReads.get()).isEqualTo(1);
        assertThat(entry).hasValueSatisfying(e -> assertThat(e.freshAt(now)).isFalse());
    }

    @Test
    void answersFromOtherProcessesAreKeptNearAfterTheFirstRead() throws Exception {
        sharedStore.put(key, answer, new CachePolicy(true, Duration.ofSeconds(10), Duration.ofHours(1), 1 << 20));
        NearCache cache = new NearCache(shared, 100, Duration.ofSeconds(30), clock, new SimpleMeterRegistry());
        cache.get(key).get();
        cache.get(key).get();
        assertThat(sharedReads.get()).isEqualTo(1);
    }
}
