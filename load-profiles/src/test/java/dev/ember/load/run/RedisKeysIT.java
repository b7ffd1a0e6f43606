package dev.ember.load.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.functions.core.redis.RedisLink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Against the real Redis at REDIS_URL (127.0.0.1:6379): a run's keys go, a neighbour's stay. */
class RedisKeysIT {
    private static final String URL = System.getenv().getOrDefault("REDIS_URL", "redis://127.0.0.1:6379");

    @Test
    void deletesEveryKeyUnderTheRunsPrefixAndNothingElse() throws Exception {
        String run = "load-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        // Shares the run's first characters but is not under its prefix.
        String neighbour = run.substring(0, run.length() - 1) + "x:kept";
        try (RedisLink redis = RedisLink.openOrFail(URL, Duration.ofSeconds(5))) {
            var c = redis.commands().orElseThrow();
            byte[] v = "v".getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 2500; i++) {
                c.set(run + "c:" + i, v);
            }
            c.set(run + "rates:mlp-tiny", v).get(5, TimeUnit.SECONDS);
            c.set(neighbour, v).get(5, TimeUnit.SECONDS);
            try {
                assertThat(RedisKeys.deleteAll(URL, run)).isEqualTo(2501);
                assertThat(c.exists(run + "c:7", run + "rates:mlp-tiny").get(5, TimeUnit.SECONDS))
                        .isZero();
                assertThat(c.exists(neighbour).get(5, TimeUnit.SECONDS)).isEqualTo(1);
                assertThat(RedisKeys.deleteAll(URL, run)).isZero();
            } finally {
                c.del(neighbour).get(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void refusesAnyPrefixWiderThanARuns() {
        assertThat(RedisKeys.isRunPrefix("load-0cc1390d:")).isTrue();
        for (String wide : new String[] {"", "load-", "load-*", "bench:", "load-0cc1390d", "load-0CC1390D:"}) {
            assertThat(RedisKeys.isRunPrefix(wide)).as(wide).isFalse();
        }
        assertThatThrownBy(() -> RedisKeys.deleteAll(URL, "load-"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a load run's key prefix");
    }
}
