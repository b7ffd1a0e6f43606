package dev.ember.functions.core.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.functions.core.redis.RedisFixture;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import dev.ember.pool.api.PriorityClass;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a real Redis: the shared one (keys under a prefix of the test's own) or a private one to stop. */
class RedisTokenBucketIT {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private String prefix;
    private RedisLink link;

    @BeforeEach
    void connect() {
        prefix = RedisFixture.uniquePrefix();
        link = open(RedisFixture.url());
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @Test
    void burstIsAdmittedThenDeniedWithWhenToRetry() throws Exception {
        Tenant acme = tenant("acme", 0.5, 5);
        RedisTokenBucket limiter = new RedisTokenBucket(link, prefix, registry);

        for (int i = 0; i < 5; i++) {
            assertThat(outcome(limiter, acme)).as("request %d", i).isEmpty();
        }
        InferenceException denied = outcome(limiter, acme).orElseThrow();

        assertThat(denied.reason()).isEqualTo(Reason.RATE_LIMITED);
        // The next token is 1 / 0.5 = 2 s after the first request, less the few ms the burst took.
        assertThat(denied.retryAfter()).contains(Duration.ofSeconds(2));
        assertThat(denied.getMessage())
                .isEqualTo("tenant 'acme' is over its plan 'slow' (0.5 requests/s, burst 5); retry in 2 s");
        assertThat(count("ember.ratelimit.denied", "acme")).isEqualTo(1);
        assertThat(count("ember.ratelimit.bypassed", "acme")).isZero();
    }

    @Test
    void refillsAtThePlanRateUpToTheBurst() throws Exception {
        Tenant acme = tenant("acme", 4, 2); // a token every 250 ms
        RedisTokenBucket limiter = new RedisTokenBucket(link, prefix, registry);

        assertThat(admittedOf(limiter, acme, 5)).isEqualTo(2);
        Thread.sleep(300); // 1.2 tokens
        assertThat(outcome(limiter, acme)).isEmpty();
        // 0.2 left: the next token is 200 ms away, far more than two round trips take.
        assertThat(outcome(limiter, acme))
                .hasValueSatisfying(e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(1)));
        Thread.sleep(1_000); // 4.2 tokens' worth, but the bucket holds 2
        assertThat(admittedOf(limiter, acme, 5)).isEqualTo(2);
    }

    @Test
    void twoGatewaysSharingRedisEnforceOneLimit() throws Exception {
        // Two gateway processes: two connections, two limiters, one Redis, one tenant.
        RedisTokenBucket first = new RedisTokenBucket(link, prefix, registry);
        RedisTokenBucket second = new RedisTokenBucket(open(RedisFixture.url()), prefix, registry);
        double rate = 0.5;
        int burst = 50;
        Tenant acme = tenant("acme", rate, burst);
        ExecutorService threads = Executors.newFixedThreadPool(16);
        toClose.add(threads::shutdownNow);

        long start = System.nanoTime();
        List<Future<CompletableFuture<Void>>> submitted = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            RedisTokenBucket limiter = i % 2 == 0 ? first : second;
            submitted.add(threads.submit(() -> limiter.acquire(acme)));
        }
        int admitted = 0;
        int denied = 0;
        for (Future<CompletableFuture<Void>> f : submitted) {
            Optional<InferenceException> failure = outcome(f.get(10, TimeUnit.SECONDS));
            if (failure.isEmpty()) {
                admitted++;
            } else if (failure.get().reason() == Reason.RATE_LIMITED) {
                denied++;
            }
        }
        double elapsedSeconds = (System.nanoTime() - start) / 1e9;

        // The bucket starts with 50 tokens and gains 0.5/s while the test runs, all of which can be
        // spent: admitted ≤ 50 + ⌊0.5 × elapsed⌋, which is exactly 50 when the test takes < 2 s
        // (it takes well under one). And admitted ≥ 50: no token is lost. A non-atomic
        // read-then-write would admit more, as requests from both connections interleave.
        assertThat(admitted).isBetween(burst, burst + (int) Math.floor(rate * elapsedSeconds));
        assertThat(denied).isEqualTo(300 - admitted);
        assertThat(count("ember.ratelimit.denied", "acme")).isEqualTo(denied);
        assertThat(count("ember.ratelimit.bypassed", "acme")).isZero();
    }

    @Test
    void bucketIsOneHashThatExpiresOnceItWouldBeFull() throws Exception {
        Tenant acme = tenant("acme", 0.5, 3);
        RedisTokenBucket limiter = new RedisTokenBucket(link, prefix, registry);
        RedisAsyncCommands<String, byte[]> redis = link.commands().orElseThrow();
        String key = prefix + "rl:acme";
        assertThat(limiter.key(acme)).isEqualTo(key);

        assertThat(outcome(limiter, acme)).isEmpty();

        assertThat(redis.type(key).get()).isEqualTo("hash");
        Map<String, byte[]> fields = redis.hgetall(key).get();
        assertThat(fields).containsOnlyKeys("tokens", "ts");
        assertThat(Double.parseDouble(new String(fields.get("tokens")))).isEqualTo(2.0);
        // One token short of 3 at 0.5/s: full again in 2 s, and then the key is not needed.
        assertThat(redis.pttl(key).get()).isBetween(1_500L, 2_000L);
    }

    @Test
    void idleBucketKeyGoesAwayAndComesBackFull() throws Exception {
        Tenant acme = tenant("acme", 20, 2);
        RedisTokenBucket limiter = new RedisTokenBucket(link, prefix, registry);
        RedisAsyncCommands<String, byte[]> redis = link.commands().orElseThrow();
        String key = limiter.key(acme);

        assertThat(admittedOf(limiter, acme, 3)).isEqualTo(2);
        assertThat(redis.exists(key).get()).isEqualTo(1);
        // Full after 0.1 s, but a key lives at least 1 s.
        awaitTrue(Duration.ofSeconds(3), () -> redis.exists(key).get() == 0);
        assertThat(admittedOf(limiter, acme, 3)).isEqualTo(2);
    }

    @Test
    void unlimitedPlanNeverTouchesRedis() throws Exception {
        Tenant internal = new Tenant("internal", Plan.UNLIMITED, Set.of());
        RedisTokenBucket limiter = new RedisTokenBucket(link, prefix, registry);

        assertThat(admittedOf(limiter, internal, 1_000)).isEqualTo(1_000);
        assertThat(link.commands().orElseThrow().exists(limiter.key(internal)).get())
                .isZero();
    }

    @Test
    void scriptMissingFromRedisIsLoadedAgain() throws Exception {
        RedisFixture.Server server = privateServer();
        RedisLink own = open(server.url());
        Tenant acme = tenant("acme", 0.5, 2);
        RedisTokenBucket limiter = new RedisTokenBucket(own, prefix, registry);

        assertThat(outcome(limiter, acme)).isEmpty(); // a new server: NOSCRIPT, then EVAL
        own.commands().orElseThrow().scriptFlush().get();
        assertThat(outcome(limiter, acme)).isEmpty();
        assertThat(outcome(limiter, acme)).isPresent();
        assertThat(count("ember.ratelimit.bypassed", "acme")).isZero();
    }

    @Test
    void admitsWhileRedisIsDownAndLimitsAgainWhenItIsBack() throws Exception {
        RedisFixture.Server server = privateServer();
        RedisLink own = open(server.url(), Duration.ofMillis(300));
        Tenant acme = tenant("acme", 0.5, 1);
        RedisTokenBucket limiter = new RedisTokenBucket(own, prefix, registry);
        assertThat(outcome(limiter, acme)).isEmpty();
        assertThat(outcome(limiter, acme)).isPresent();

        server.stop();
        for (int i = 0; i < 5; i++) {
            assertThat(outcome(limiter, acme))
                    .as("request %d with Redis down", i)
                    .isEmpty();
        }
        assertThat(count("ember.ratelimit.bypassed", "acme")).isEqualTo(5);

        server.restart(); // empty: the bucket is full again
        // Lettuce reconnects by itself, with a backoff that has grown little in so short an outage.
        awaitTrue(Duration.ofSeconds(20), () -> outcome(limiter, acme).isPresent());
        double bypassed = count("ember.ratelimit.bypassed", "acme");
        InferenceException denied = outcome(limiter, acme).orElseThrow();
        assertThat(denied.retryAfter()).contains(Duration.ofSeconds(2));
        assertThat(count("ember.ratelimit.bypassed", "acme")).isEqualTo(bypassed);
    }

    @Test
    void admitsWhenRedisWasNeverReached() throws Exception {
        RedisFixture.Server server = privateServer();
        server.stop();
        RedisLink never = open(server.url());
        assertThat(never.commands()).isEmpty();
        RedisTokenBucket limiter = new RedisTokenBucket(never, prefix, registry);

        assertThat(admittedOf(limiter, tenant("acme", 0.5, 1), 3)).isEqualTo(3);
        assertThat(count("ember.ratelimit.bypassed", "acme")).isEqualTo(3);
    }

    private static Tenant tenant(String id, double rate, int burst) {
        String name = rate < 1 ? "slow" : "quick";
        return new Tenant(id, new Plan(name, rate, burst, PriorityClass.REALTIME), Set.of());
    }

    private RedisLink open(String url) {
        return open(url, COMMAND_TIMEOUT);
    }

    private RedisLink open(String url, Duration timeout) {
        RedisLink l = RedisLink.open(url, timeout);
        toClose.add(l);
        return l;
    }

    private RedisFixture.Server privateServer() {
        RedisFixture.Server server = RedisFixture.Server.start();
        toClose.add(server::stop);
        return server;
    }

    private double count(String name, String tenant) {
        return registry.counter(name, "tenant", tenant).count();
    }

    private static int admittedOf(RateLimiter limiter, Tenant tenant, int requests) throws Exception {
        int n = 0;
        for (int i = 0; i < requests; i++) {
            n += outcome(limiter, tenant).isEmpty() ? 1 : 0;
        }
        return n;
    }

    /** Empty if admitted, else the denial; anything else fails the test. */
    private static Optional<InferenceException> outcome(RateLimiter limiter, Tenant tenant) throws Exception {
        return outcome(limiter.acquire(tenant));
    }

    private static Optional<InferenceException> outcome(CompletableFuture<Void> acquired) throws Exception {
        Throwable failure = acquired.handle((ok, e) -> e).get(10, TimeUnit.SECONDS);
        if (failure == null) {
            return Optional.empty();
        }
        assertThat(failure).isInstanceOf(InferenceException.class);
        return Optional.of((InferenceException) failure);
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    private static void awaitTrue(Duration atMost, Condition condition) throws Exception {
        long until = System.nanoTime() + atMost.toNanos();
        while (!condition.holds()) {
            assertThat(System.nanoTime())
                    .as("condition still false after %s", atMost)
                    .isLessThan(until);
            Thread.sleep(50);
        }
    }
}
