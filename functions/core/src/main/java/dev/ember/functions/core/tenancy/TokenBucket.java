package dev.ember.functions.core.tenancy;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;

/**
 * One tenant's token bucket, in memory, and what a denial says. Tokens refill continuously at the
 * plan's rate up to its burst; a request takes one. Worked through for a plan of 0.25/s, burst 2:
 * the bucket starts full (2 tokens); two requests at t=0 take both; a third at t=1 s finds 0.25
 * tokens, needs 0.75 more, which take 0.75 / 0.25 = 3 s: denied, retry in 3 s.
 *
 * <p>{@link RedisTokenBucket}'s script does the same arithmetic in Lua; keep the two alike.
 */
final class TokenBucket {
    static final String DENIED = "ember.ratelimit.denied";
    private static final long SECOND = 1_000_000_000L;

    private double tokens;
    private long last;

    TokenBucket(Plan plan, long nowNanos) {
        this.tokens = plan.burst();
        this.last = nowNanos;
    }

    /**
     * Takes a token if one is there at {@code nowNanos}.
     *
     * @return 0 if taken, else the nanoseconds until the next token is due
     */
    synchronized long take(Plan plan, long nowNanos) {
        // Threads read the clock before taking the lock, so "now" may be a little behind "last".
        long elapsed = Math.max(0, nowNanos - last);
        double available = Math.min(plan.burst(), tokens + elapsed * plan.ratePerSecond() / SECOND);
        if (available < 1) {
            // Nothing changes on a denial: the next take refills from the last one, in one step.
            return (long) Math.ceil((1 - available) * SECOND / plan.ratePerSecond());
        }
        tokens = available - 1;
        last = Math.max(last, nowNanos);
        return 0;
    }

    /**
     * Counts a denial in {@code ember.ratelimit.denied} and returns the exception that tells the
     * caller when to retry: whole seconds (Retry-After has no finer unit), rounded up, at least 1.
     */
    static InferenceException denial(Tenant tenant, long waitNanos, MeterRegistry registry) {
        Counter.builder(DENIED)
                .description("Requests refused because the tenant was over its plan's rate")
                .tag("tenant", tenant.id())
                .register(registry)
                .increment();
        long seconds = Math.max(1, (waitNanos + SECOND - 1) / SECOND);
        Plan plan = tenant.plan();
        String rate =
                BigDecimal.valueOf(plan.ratePerSecond()).stripTrailingZeros().toPlainString();
        return new InferenceException(
                Reason.RATE_LIMITED,
                "tenant '" + tenant.id() + "' is over its plan '" + plan.name() + "' (" + rate + " requests/s, burst "
                        + plan.burst() + "); retry in " + seconds + " s",
                Duration.ofSeconds(seconds),
                null);
    }
}
