package dev.ember.functions.core.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import dev.ember.pool.api.PriorityClass;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LocalTokenBucketTest {
    // 0.25 tokens/s: a token every 4 s, so retry times are whole seconds worth checking.
    private static final Plan SLOW = new Plan("slow", 0.25, 2, PriorityClass.BATCH);
    private static final Plan PRO = new Plan("pro", 100, 200, PriorityClass.REALTIME);
    private static final Tenant ACME = new Tenant("acme", SLOW, Set.of());
    private static final Tenant GLOBEX = new Tenant("globex", SLOW, Set.of());

    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final LocalTokenBucket limiter = new LocalTokenBucket(registry, nanos::get);

    @Test
    void burstIsAdmittedThenDeniedUntilTheNextTokenIsDue() {
        assertThat(admitted(ACME)).isTrue();
        assertThat(admitted(ACME)).isTrue();

        InferenceException denied = denial(ACME);
        assertThat(denied.reason()).isEqualTo(Reason.RATE_LIMITED);
        assertThat(denied.retryAfter()).contains(Duration.ofSeconds(4));
        assertThat(denied.getMessage())
                .isEqualTo("tenant 'acme' is over its plan 'slow' (0.25 requests/s, burst 2); retry in 4 s");
        assertThat(registry.counter("ember.ratelimit.denied", "tenant", "acme").count())
                .isEqualTo(1);
    }

    @Test
    void retryAfterCountsDownAndRoundsUp() {
        admitted(ACME);
        admitted(ACME);
        advance(Duration.ofSeconds(1)); // 0.25 tokens: 3 s to go
        assertThat(denial(ACME).retryAfter()).contains(Duration.ofSeconds(3));
        advance(Duration.ofMillis(2_500)); // 0.875 tokens: 0.5 s to go, said as 1 s
        assertThat(denial(ACME).retryAfter()).contains(Duration.ofSeconds(1));
        advance(Duration.ofMillis(500));
        assertThat(admitted(ACME)).isTrue();
        assertThat(denial(ACME).retryAfter()).contains(Duration.ofSeconds(4));
    }

    @Test
    void refillsAtThePlanRateUpToTheBurst() {
        Tenant pro = new Tenant("acme", PRO, Set.of());
        assertThat(admittedOf(pro, 300)).isEqualTo(200);
        advance(Duration.ofMillis(100)); // 10 tokens at 100/s
        assertThat(admittedOf(pro, 50)).isEqualTo(10);
        advance(Duration.ofHours(1)); // full again, and no fuller
        assertThat(admittedOf(pro, 300)).isEqualTo(200);
        assertThat(registry.counter("ember.ratelimit.denied", "tenant", "acme").count())
                .isEqualTo(100 + 40 + 100);
    }

    @Test
    void deniedRequestsDoNotDelayTheNextToken() {
        admitted(ACME);
        admitted(ACME);
        for (int i = 0; i < 10; i++) {
            denial(ACME);
            advance(Duration.ofMillis(400));
        }
        assertThat(admitted(ACME)).isTrue(); // 4 s after the burst, whatever was refused meanwhile
    }

    @Test
    void tenantsHaveTheirOwnBuckets() {
        admitted(ACME);
        admitted(ACME);
        denial(ACME);
        assertThat(admitted(GLOBEX)).isTrue();
        assertThat(admitted(GLOBEX)).isTrue();
        assertThat(registry.counter("ember.ratelimit.denied", "tenant", "globex")
                        .count())
                .isZero();
    }

    @Test
    void unlimitedPlanIsNeverDenied() {
        assertThat(admittedOf(Tenant.ANONYMOUS, 10_000)).isEqualTo(10_000);
    }

    @Test
    void clockReadBeforeAnotherThreadsTakeDoesNotRefillBackwards() {
        admitted(ACME);
        admitted(ACME);
        advance(Duration.ofSeconds(4));
        assertThat(admitted(ACME)).isTrue();
        advance(Duration.ofSeconds(-1)); // a thread that read the clock earlier gets the lock later
        assertThat(denial(ACME).retryAfter()).contains(Duration.ofSeconds(4));
    }

    private boolean admitted(Tenant tenant) {
        CompletableFuture<Void> f = limiter.acquire(tenant);
        assertThat(f).isDone();
        return !f.isCompletedExceptionally();
    }

    private int admittedOf(Tenant tenant, int requests) {
        int n = 0;
        for (int i = 0; i < requests; i++) {
            n += admitted(tenant) ? 1 : 0;
        }
        return n;
    }

    private InferenceException denial(Tenant tenant) {
        CompletableFuture<Void> f = limiter.acquire(tenant);
        assertThat(f).isCompletedExceptionally();
        return f.handle((ok, e) -> (InferenceException) e).join();
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }
}
