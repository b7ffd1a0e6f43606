package dev.ember.warmup.prewarm;

import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A {@link RateHistoryStore} in Redis: one list per model, {@code <prefix>rates:<model>}, of {@code
 * "minute:requests"} entries, oldest first, trimmed to the newest {@code capacity} on every append
 * ({@code RPUSH} + {@code LTRIM}), so its size is bounded (three days: 4,320 entries, ~70 KB).
 * Appends are fire-and-forget on Lettuce's async API: the caller's tick never waits on Redis, and a
 * minute that cannot be written is a gap, logged once per outage.
 *
 * <p>Lettuce is an optional dependency of this module: only processes that already have Redis (the
 * functions embedding a local pool, the Knative autopilot) load this class; a worker never does.
 */
public final class RedisRateHistoryStore implements RateHistoryStore {
    private static final System.Logger LOG = System.getLogger(RedisRateHistoryStore.class.getName());

    private final Supplier<Optional<RedisAsyncCommands<String, byte[]>>> commands;
    private final String prefix;
    private final int capacity;
    private final Duration loadTimeout;
    private final AtomicBoolean failing = new AtomicBoolean();

    /**
     * @param commands the process's shared connection, or empty while Redis is down
     * @param prefix key prefix of the deployment ({@code ember:})
     */
    public RedisRateHistoryStore(
            Supplier<Optional<RedisAsyncCommands<String, byte[]>>> commands,
            String prefix,
            int capacity,
            Duration loadTimeout) {
        this.commands = Objects.requireNonNull(commands, "commands");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.loadTimeout = Objects.requireNonNull(loadTimeout, "loadTimeout");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be ≥ 1, was " + capacity);
        }
        this.capacity = capacity;
    }

    public String key(String model) {
        return prefix + "rates:" + model;
    }

    @Override
    public List<MinuteCount> load(String model) {
        Optional<RedisAsyncCommands<String, byte[]>> redis = commands.get();
        if (redis.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "Redis is down: the request-rate history of {0} starts empty", model);
            return List.of();
        }
        try {
            List<byte[]> entries =
                    redis.get().lrange(key(model), -capacity, -1).get(loadTimeout.toMillis(), TimeUnit.MILLISECONDS);
            List<MinuteCount> minutes = new ArrayList<>(entries.size());
            long last = Long.MIN_VALUE;
            for (byte[] e : entries) {
                MinuteCount m = MinuteCount.decode(new String(e, StandardCharsets.UTF_8));
                if (m.epochMinute() > last) { // two writers (a restart overlap) may repeat a minute
                    minutes.add(m);
                    last = m.epochMinute();
                }
            }
            return minutes;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        } catch (Exception e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "cannot read the request-rate history of {0} from Redis ({1}); it starts empty",
                    model,
                    e.toString());
            return List.of();
        }
    }

    @Override
    public void append(String model, MinuteCount minute) {
        Optional<RedisAsyncCommands<String, byte[]>> redis = commands.get();
        if (redis.isEmpty()) {
            failed(new IllegalStateException("Redis is down"));
            return;
        }
        String key = key(model);
        redis.get()
                .rpush(key, minute.encode().getBytes(StandardCharsets.UTF_8))
                .thenCompose(n -> n > capacity ? redis.get().ltrim(key, -capacity, -1) : completed())
                .whenComplete((ok, e) -> {
                    if (e != null) {
                        failed(e);
                    } else if (failing.compareAndSet(true, false)) {
                        LOG.log(System.Logger.Level.INFO, "request-rate history is written to Redis again");
                    }
                });
    }

    @Override
    public int capacity() {
        return capacity;
    }

    private static java.util.concurrent.CompletionStage<String> completed() {
        return java.util.concurrent.CompletableFuture.completedFuture("OK");
    }

    private void failed(Throwable e) {
        if (failing.compareAndSet(false, true)) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "cannot write the request-rate history to Redis ({0}); minutes are lost until it answers",
                    e.toString());
        }
    }
}
