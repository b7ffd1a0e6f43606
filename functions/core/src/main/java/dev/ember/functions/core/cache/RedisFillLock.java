package dev.ember.functions.core.cache;

import dev.ember.functions.core.redis.RedisLink;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * {@link FillLock} across processes: {@code SET <prefix>l:<sha256> <token> NX PX ttl}, released
 * by deleting the key only if it still holds our token (one Lua script), so a lock that expired
 * and was taken by another process is never released by us. If Redis is unreachable the lock is
 * granted: we compute rather than wait for a fill that cannot come.
 */
public final class RedisFillLock implements FillLock {
    private static final String RELEASE =
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    private final RedisLink redis;
    private final String prefix;

    public RedisFillLock(RedisLink redis, String keyPrefix) {
        this.redis = redis;
        this.prefix = keyPrefix + "l:";
    }

    @Override
    public CompletableFuture<Optional<Held>> tryAcquire(CacheKey key, Duration ttl) {
        var commands = redis.commands();
        Held none = () -> {};
        if (commands.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.of(none));
        }
        String lockKey = prefix + key.hex();
        byte[] token = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
        return commands.get()
                .set(lockKey, token, SetArgs.Builder.nx().px(ttl.toMillis()))
                .toCompletableFuture()
                .handle((ok, error) -> {
                    if (error != null) {
                        redis.reportFailure(error);
                        return Optional.of(none);
                    }
                    if (!"OK".equals(ok)) {
                        return Optional.empty();
                    }
                    Held held = () -> redis.commands()
                            .ifPresent(
                                    c -> c.<Long>eval(RELEASE, ScriptOutputType.INTEGER, new String[] {lockKey}, token)
                                            .exceptionally(e -> 0L));
                    return Optional.of(held);
                });
    }
}
