package dev.ember.warmup.prewarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.warmup.forecast.Forecaster;
import dev.ember.warmup.forecast.ForecasterConfig;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RateHistoryTest {
    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

    @Test
    void eachClosedMinuteIsStoredOnceWithItsCountAndTheStoreStaysBounded() {
        RateHistoryStore store = RateHistoryStore.inMemory(3);
        RateHistory history = RateHistory.restore("m", ForecasterConfig.DEFAULTS, store);
        history.observe(T0, 5);
        history.observe(T0.plusSeconds(10), 7); // same minute
        history.observe(T0.plusSeconds(60), 1); // closes minute 0 with 12
        assertThat(store.load("m")).containsExactly(new MinuteCount(T0.getEpochSecond() / 60, 12));
        for (int i = 2; i <= 6; i++) {
            history.observe(T0.plusSeconds(60L * i), i);
        }
        assertThat(store.load("m")).extracting(MinuteCount::requests).containsExactly(3L, 4L, 5L);
        assertThat(store.load("other")).isEmpty();
    }

    @Test
    void twoDaysInTheStoreRestoreTheSeasonalModel() {
        RateHistoryStore store = RateHistoryStore.inMemory(RateHistoryStore.DEFAULT_CAPACITY);
        RateHistory first = RateHistory.restore("m", ForecasterConfig.DEFAULTS, store);
        for (int i = 0; i <= 2 * 1440; i++) {
            first.observe(T0.plusSeconds(60L * i), 60);
        }
        assertThat(first.model()).isEqualTo(Forecaster.Model.HOLT_WINTERS);
        assertThat(RateHistory.restore("m", ForecasterConfig.DEFAULTS, store).model())
                .isEqualTo(Forecaster.Model.HOLT_WINTERS);
        assertThat(RateHistory.restore("m", ForecasterConfig.DEFAULTS, RateHistoryStore.NONE)
                        .model())
                .isEqualTo(Forecaster.Model.NONE);
    }

    @Test
    void minuteCountsRoundTripAndBadTextIsRefused() {
        MinuteCount m = new MinuteCount(29_000_000, 42);
        assertThat(MinuteCount.decode(m.encode())).isEqualTo(m);
        assertThat(m.start()).isEqualTo(Instant.ofEpochSecond(29_000_000L * 60));
        assertThatThrownBy(() -> MinuteCount.decode("42")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MinuteCount(1, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
