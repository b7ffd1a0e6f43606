package dev.ember.load.run;

import dev.ember.functions.core.redis.RedisLink;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The keys a runner's Ember left in a shared Redis (cached answers, job records, the jobs stream,
 * rate histories), deleted when it stops: every one is under the run's own prefix, {@code
 * load-<8 hex>:}, and nothing else is touched.
 */
public final class RedisKeys {
    private static final Pattern RUN_PREFIX = Pattern.compile("load-[0-9a-f]{8}:");

    private RedisKeys() {}

    /** True for a prefix a runner made for one Ember of its own ({@code load-<8 hex>:}), false for anything wider. */
    public static boolean isRunPrefix(String prefix) {
        return prefix != null && RUN_PREFIX.matcher(prefix).matches();
    }

    /**
     * Deletes every key under {@code prefix} at {@code url} (SCAN, then DEL in batches); returns how
     * many. Refuses a prefix that is not a run's.
     */
    public static long deleteAll(String url, String prefix) throws Exception {
        if (!isRunPrefix(prefix)) {
            throw new IllegalArgumentException("not a load run's key prefix (load-<8 hex>:): '" + prefix + "'");
        }
        try (RedisLink redis = RedisLink.openOrFail(url, Duration.ofSeconds(5))) {
            var commands = redis.commands().orElseThrow();
            ScanArgs match = ScanArgs.Builder.matches(prefix + "*").limit(1000);
            ScanCursor cursor = ScanCursor.INITIAL;
            long deleted = 0;
            do {
                KeyScanCursor<String> page = commands.scan(cursor, match).get(10, TimeUnit.SECONDS);
                if (!page.getKeys().isEmpty()) {
                    deleted +=
                            commands.del(page.getKeys().toArray(String[]::new)).get(10, TimeUnit.SECONDS);
                }
                cursor = page;
            } while (!cursor.isFinished());
            return deleted;
        }
    }
}
