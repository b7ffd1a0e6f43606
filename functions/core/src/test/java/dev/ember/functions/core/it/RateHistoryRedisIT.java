package dev.ember.functions.core.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.functions.core.redis.RedisFixture;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.warmup.forecast.Forecaster;
import dev.ember.warmup.forecast.ForecasterConfig;
import dev.ember.warmup.prewarm.MinuteCount;
import dev.ember.warmup.prewarm.RateHistory;
import dev.ember.warmup.prewarm.RedisRateHistoryStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The request-rate history kept in a real Redis: bounded, and restored by a new process (here a new
 * link and store) with the seasonal model the old one had learned.
 */
class RateHistoryRedisIT {
    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

    @Test
    void twoDaysOfMinutesSurviveARestartAndTheListStaysBounded() throws Exception {
        String prefix = RedisFixture.uniquePrefix();
        int capacity = 2 * 1440 + 10;
        try (RedisLink first = RedisLink.open(RedisFixture.url(), Duration.ofSeconds(2))) {
            RedisRateHistoryStore store =
                    new RedisRateHistoryStore(first::commands, prefix, capacity, Duration.ofSeconds(2));
            RateHistory history = RateHistory.restore("det", ForecasterConfig.DEFAULTS, store);
            for (int i = 0; i <= 2 * 1440 + 100; i++) {
                history.observe(T0.plusSeconds(60L * i), i % 1440 == 540 ? 3000 : 6);
            }
            assertThat(history.model()).isEqualTo(Forecaster.Model.HOLT_WINTERS);
            awaitLength(first, store.key("det"), capacity);
        }
        try (RedisLink second = RedisLink.open(RedisFixture.url(), Duration.ofSeconds(2))) {
            RedisRateHistoryStore store =
                    new RedisRateHistoryStore(second::commands, prefix, capacity, Duration.ofSeconds(2));
            var minutes = store.load("det");
            assertThat(minutes).hasSize(capacity);
            long lastClosed = T0.getEpochSecond() / 60 + 2 * 1440 + 99;
            assertThat(minutes.get(minutes.size() - 1)).isEqualTo(new MinuteCount(lastClosed, 6));
            // The oldest minutes were trimmed, yet two full days remain: the season comes back.
            RateHistory restored = RateHistory.restore("det", ForecasterConfig.DEFAULTS, store);
            assertThat(restored.model()).isEqualTo(Forecaster.Model.HOLT_WINTERS);
            second.commands().orElseThrow().del(store.key("det")).get(2, TimeUnit.SECONDS);
        }
    }

    @Test
    void withRedisDownTheHistoryStartsEmptyAndWritingLosesMinutesWithoutFailing() {
        RedisRateHistoryStore store =
                new RedisRateHistoryStore(Optional::empty, RedisFixture.uniquePrefix(), 100, Duration.ofMillis(200));
        RateHistory history = RateHistory.restore("det", ForecasterConfig.DEFAULTS, store);
        history.observe(T0, 5);
        history.observe(T0.plusSeconds(60), 5); // closes a minute: the write is dropped, not thrown
        assertThat(history.model()).isEqualTo(Forecaster.Model.HOLT);
        assertThat(store.load("det")).isEmpty();
    }

    private static void awaitLength(RedisLink link, String key, long expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long length = -1;
        while (System.nanoTime() < deadline) {
            length = link.commands().orElseThrow().llen(key).get(2, TimeUnit.SECONDS);
            if (length == expected) {
                return;
            }
            Thread.sleep(20); // appends are fire-and-forget: wait for the last to land
        }
        assertThat(length).isEqualTo(expected);
    }
}
