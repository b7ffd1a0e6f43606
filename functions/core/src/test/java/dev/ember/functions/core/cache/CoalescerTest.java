package dev.ember.functions.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.functions.core.CacheOutcome;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.config.CachePolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The cross-process paths of the coalescer, with the other process played by the test. */
class CoalescerTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final LocalResponseCache cache = new LocalResponseCache(1 << 20, Clock.systemUTC());
    private final CacheKey key = CacheKey.of("m", "1", InferenceRequest.of(Tensor.ofFloats("x", new long[] {1}, 1)));
    private final AtomicInteger poolCalls = new AtomicInteger();
    private final InferenceResponse answer =
            new InferenceResponse("m", "1", null, Parameters.EMPTY, List.of(Tensor.ofFloats("y", new long[] {1}, 2)));

    /** Another process holds every lock. */
    private final FillLock heldElsewhere = (k, ttl) -> CompletableFuture.completedFuture(Optional.empty());

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private CompletableFuture<InferenceResponse> pool() {
        poolCalls.incrementAndGet();
        return CompletableFuture.completedFuture(answer);
    }

    @Test
    void whenAnotherProcessHoldsTheLockWeWaitForItsFillAndDoNotCallThePool() throws Exception {
        Coalescer c = new Coalescer(
                cache, heldElsewhere, Duration.ofSeconds(10), Duration.ofSeconds(5), timer, Clock.systemUTC());
        CompletableFuture<Coalescer.Answer> waiting = c.answer(key, CachePolicy.DEFAULT, this::pool);
        // The other process fills the cache 30 ms later.
        timer.schedule(() -> cache.put(key, answer, CachePolicy.DEFAULT), 30, TimeUnit.MILLISECONDS);

        Coalescer.Answer a = waiting.get(5, TimeUnit.SECONDS);

        assertThat(a.outcome()).isEqualTo(CacheOutcome.COALESCED);
        assertThat(poolCalls.get()).isZero();
    }

    @Test
    void ifTheOtherProcessNeverFillsWeComputeOurselvesAfterTheBoundedWait() throws Exception {
        Coalescer c = new Coalescer(
                cache, heldElsewhere, Duration.ofSeconds(10), Duration.ofMillis(80), timer, Clock.systemUTC());
        long start = System.nanoTime();
        Coalescer.Answer a = c.answer(key, CachePolicy.DEFAULT, this::pool).get(5, TimeUnit.SECONDS);
        assertThat(a.outcome()).isEqualTo(CacheOutcome.MISS);
        assertThat(poolCalls.get()).isEqualTo(1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(cache.get(key).get()).isPresent();
    }

    @Test
    void theLockIsReleasedAfterTheFillEvenWhenThePoolFails() throws Exception {
        AtomicInteger released = new AtomicInteger();
        FillLock counting = (k, ttl) -> CompletableFuture.completedFuture(Optional.of(released::incrementAndGet));
        Coalescer c =
                new Coalescer(cache, counting, Duration.ofSeconds(10), Duration.ofSeconds(1), timer, Clock.systemUTC());
        CompletableFuture<Coalescer.Answer> failed = c.answer(
                key, CachePolicy.DEFAULT, () -> CompletableFuture.failedFuture(new IllegalStateException("down")));
        assertThat(failed).failsWithin(Duration.ofSeconds(5));
        assertThat(released.get()).isEqualTo(1);
        assertThat(c.inFlight()).isZero();
        assertThat(cache.get(key).get()).isEmpty();
    }
}
