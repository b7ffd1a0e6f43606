package dev.ember.functions.core.cache;

import dev.ember.functions.core.CacheOutcome;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.config.CachePolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Makes identical concurrent misses cost one pool call. Within a process, the first caller for a
 * key computes and every other caller shares its future (single-flight). Across processes, that
 * leader first takes the key's {@link FillLock}: holding it, it calls the pool, fills the cache and
 * releases; not holding it, it polls the cache for the holder's answer (5 ms, doubling to 100 ms)
 * for at most {@code fillWait}, then computes itself rather than wait longer. The answer says
 * whether it was computed here ({@link CacheOutcome#MISS}) or by someone else ({@link
 * CacheOutcome#COALESCED}).
 */
public final class Coalescer {
    /** An answer and how it was obtained. */
    public record Answer(InferenceResponse response, CacheOutcome outcome) {}

    private static final long FIRST_POLL_MS = 5;
    private static final long MAX_POLL_MS = 100;

    private final ResponseCache cache;
    private final FillLock lock;
    private final Duration lockTtl;
    private final Duration fillWait;
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final ConcurrentHashMap<CacheKey, CompletableFuture<Answer>> inFlight = new ConcurrentHashMap<>();

    public Coalescer(
            ResponseCache cache,
            FillLock lock,
            Duration lockTtl,
            Duration fillWait,
            ScheduledExecutorService timer,
            Clock clock) {
        this.cache = cache;
        this.lock = lock;
        this.lockTtl = lockTtl;
        this.fillWait = fillWait;
        this.timer = timer;
        this.clock = clock;
    }

    /** The answer for {@code key}, computing it with {@code pool} at most once across callers. */
    public CompletableFuture<Answer> answer(
            CacheKey key, CachePolicy policy, Supplier<CompletableFuture<InferenceResponse>> pool) {
        return answer(key, policy, pool, response -> key);
    }

    /**
     * As above; {@code storeUnder} names the key the computed answer is cached under — another
     * version's key when the pool switched versions while the request was on its way.
     */
    public CompletableFuture<Answer> answer(
            CacheKey key,
            CachePolicy policy,
            Supplier<CompletableFuture<InferenceResponse>> pool,
            Function<InferenceResponse, CacheKey> storeUnder) {
        CompletableFuture<Answer> mine = new CompletableFuture<>();
        CompletableFuture<Answer> leader = inFlight.putIfAbsent(key, mine);
        if (leader != null) {
            return leader.thenApply(a -> new Answer(a.response(), CacheOutcome.COALESCED));
        }
        lead(key, policy, pool, storeUnder).whenComplete((answer, error) -> {
            inFlight.remove(key, mine);
            if (error != null) {
                mine.completeExceptionally(error);
            } else {
                mine.complete(answer);
            }
        });
        return mine;
    }

    /** Requests of this process waiting on a computation (for metrics and tests). */
    public int inFlight() {
        return inFlight.size();
    }

    private CompletableFuture<Answer> lead(
            CacheKey key,
            CachePolicy policy,
            Supplier<CompletableFuture<InferenceResponse>> pool,
            Function<InferenceResponse, CacheKey> storeUnder) {
        return lock.tryAcquire(key, lockTtl).thenCompose(held -> {
            if (held.isPresent()) {
                // Another process may have filled the answer and released the lock between our
                // cache miss and taking it: look once more before paying for the pool.
                return freshAnswer(key)
                        .thenCompose(filled -> filled.isPresent()
                                ? CompletableFuture.completedFuture(new Answer(filled.get(), CacheOutcome.COALESCED))
                                : computeAndFill(storeUnder, policy, pool))
                        .whenComplete((r, e) -> held.get().release());
            }
            long deadline = System.nanoTime() + fillWait.toNanos();
            return awaitFill(key, deadline, FIRST_POLL_MS)
                    .thenCompose(filled -> filled.isPresent()
                            ? CompletableFuture.completedFuture(new Answer(filled.get(), CacheOutcome.COALESCED))
                            : computeAndFill(storeUnder, policy, pool));
        });
    }

    private CompletableFuture<Optional<InferenceResponse>> freshAnswer(CacheKey key) {
        return cache.get(key)
                .thenApply(
                        entry -> entry.filter(e -> e.freshAt(clock.instant())).map(CachedEntry::response));
    }

    private CompletableFuture<Answer> computeAndFill(
            Function<InferenceResponse, CacheKey> storeUnder,
            CachePolicy policy,
            Supplier<CompletableFuture<InferenceResponse>> pool) {
        return pool.get()
                .thenCompose(response -> cache.put(storeUnder.apply(response), response, policy)
                        .thenApply(stored -> new Answer(response, CacheOutcome.MISS)));
    }

    private CompletableFuture<Optional<InferenceResponse>> awaitFill(CacheKey key, long deadlineNanos, long pollMs) {
        CompletableFuture<Optional<InferenceResponse>> result = new CompletableFuture<>();
        timer.schedule(
                () -> cache.get(key).whenComplete((entry, error) -> {
                    if (entry != null && entry.isPresent() && entry.get().freshAt(clock.instant())) {
                        result.complete(Optional.of(entry.get().response()));
                    } else if (System.nanoTime() + pollMs * 1_000_000 >= deadlineNanos) {
                        result.complete(Optional.empty());
                    } else {
                        awaitFill(key, deadlineNanos, Math.min(MAX_POLL_MS, pollMs * 2))
                                .whenComplete((r, e) -> result.complete(r == null ? Optional.empty() : r));
                    }
                }),
                pollMs,
                TimeUnit.MILLISECONDS);
        return result;
    }
}
