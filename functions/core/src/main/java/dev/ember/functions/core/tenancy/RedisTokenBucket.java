package dev.ember.functions.core.tenancy;

import dev.ember.functions.core.redis.RedisLink;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Per-tenant token buckets in Redis, one limit shared by every gateway process. Each acquire is one
 * atomic script (EVALSHA, EVAL when Redis does not have it cached yet), so concurrent requests from
 * any number of processes can never take the same token twice, and the script reads Redis's clock,
 * so the gateways' clocks do not matter.
 *
 * <p>Key: {@code <prefix>rl:<tenantId>}, a hash of {@code tokens} (a fraction) and {@code ts} (Redis
 * time of the last take, in microseconds). A missing key is a full bucket, so the key expires once
 * it would have refilled (at least 1 s after the last take) and idle tenants cost no memory.
 *
 * <p>When Redis cannot answer (down, not yet connected, timed out) the request is admitted: a rate
 * limit is not worth an outage. Each such admission counts in {@code ember.ratelimit.bypassed}
 * (tag {@code tenant}) and the outage is logged once through {@link RedisLink#reportFailure}.
 *
 * <p>Futures complete on Lettuce's I/O thread: continuations must not block.
 */
public final class RedisTokenBucket implements RateLimiter {
    static final String BYPASSED = "ember.ratelimit.bypassed";

    /*
     * ARGV: rate per second, burst. Returns 0 if a token was taken, else the microseconds until the
     * next one is due. TIME before a write is allowed because Redis ≥ 5 replicates a script's
     * effects, not the script. Times are microseconds since the epoch, ~1.7e15: exact in Lua's
     * doubles (2^53 ≈ 9e15). A denial writes nothing: the stored state refills to the same tokens.
     */
    static final String SCRIPT = """
            local rate = tonumber(ARGV[1])
            local burst = tonumber(ARGV[2])
            local time = redis.call('TIME')
            local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
            local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
            local tokens = tonumber(state[1]) or burst
            local ts = tonumber(state[2]) or now
            if now < ts then now = ts end
            tokens = math.min(burst, tokens + (now - ts) * rate / 1000000)
            if tokens < 1 then
              return math.ceil((1 - tokens) * 1000000 / rate)
            end
            tokens = tokens - 1
            redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
            redis.call('PEXPIRE', KEYS[1], math.max(1000, math.ceil((burst - tokens) * 1000 / rate)))
            return 0
            """;

    private static final String SCRIPT_SHA = sha1(SCRIPT);

    private final RedisLink link;
    private final String keyPrefix;
    private final MeterRegistry registry;

    /**
     * @param link the process's shared Redis connection
     * @param keyPrefix prefix of every key written (the gateway's {@code GatewayConfig.keyPrefix()})
     */
    public RedisTokenBucket(RedisLink link, String keyPrefix, MeterRegistry registry) {
        this.link = Objects.requireNonNull(link, "link");
        this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** The Redis key of a tenant's bucket. */
    public String key(Tenant tenant) {
        return keyPrefix + "rl:" + tenant.id();
    }

    @Override
    public CompletableFuture<Void> acquire(Tenant tenant) {
        Plan plan = tenant.plan();
        if (plan.unlimited()) {
            return CompletableFuture.completedFuture(null);
        }
        Optional<RedisAsyncCommands<String, byte[]>> commands = link.commands();
        if (commands.isEmpty()) {
            return admitWithoutRedis(tenant, new IllegalStateException("not connected yet"));
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        try {
            run(commands.get(), tenant).whenComplete((waitMicros, failure) -> {
                if (failure != null) {
                    admitWithoutRedis(tenant, unwrap(failure));
                    result.complete(null);
                    return;
                }
                link.reportSuccess();
                if (waitMicros == 0) {
                    result.complete(null);
                } else {
                    result.completeExceptionally(TokenBucket.denial(tenant, waitMicros * 1_000, registry));
                }
            });
        } catch (RuntimeException e) {
            return admitWithoutRedis(tenant, e);
        }
        return result;
    }

    private CompletionStage<Long> run(RedisAsyncCommands<String, byte[]> redis, Tenant tenant) {
        String[] keys = {key(tenant)};
        byte[][] args = {
            ascii(Double.toString(tenant.plan().ratePerSecond())),
            ascii(Integer.toString(tenant.plan().burst()))
        };
        return redis.<Long>evalsha(SCRIPT_SHA, ScriptOutputType.INTEGER, keys, args)
                .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                        // First use on this server (or after SCRIPT FLUSH / a restart): EVAL caches it.
                        ? redis.eval(SCRIPT, ScriptOutputType.INTEGER, keys, args)
                        : CompletableFuture.failedStage(e));
    }

    private CompletableFuture<Void> admitWithoutRedis(Tenant tenant, Throwable failure) {
        link.reportFailure(failure);
        Counter.builder(BYPASSED)
                .description("Requests admitted without a rate-limit check because Redis could not answer")
                .tag("tenant", tenant.id())
                .register(registry)
                .increment();
        return CompletableFuture.completedFuture(null);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String sha1(String script) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-1", e);
        }
    }
}
