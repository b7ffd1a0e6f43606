package dev.ember.functions.core.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackpressureTest {
    @Test
    void admitsUpToTheCap() {
        assertThat(Backpressure.admits(999, 1, 1000)).isTrue();
        assertThat(Backpressure.admits(1000, 1, 1000)).isFalse();
        assertThat(Backpressure.admits(990, 50, 1000)).isFalse();
    }

    @Test
    void retryAfterIsTheTimeTheMeasuredDrainNeedsToMakeRoom() {
        // (1150 + 50 - 1000) / 100 per second = 2 s
        assertThat(Backpressure.retryAfter(1150, 50, 1000, 100)).isEqualTo(Duration.ofSeconds(2));
        // one job over, a fast drain: at least 1 s
        assertThat(Backpressure.retryAfter(1000, 1, 1000, 5000)).isEqualTo(Duration.ofSeconds(1));
        // 2.5 s rounds up
        assertThat(Backpressure.retryAfter(1000, 5, 1000, 2)).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void nothingDrainingOrAHugeBacklogHaveBoundedAnswers() {
        assertThat(Backpressure.retryAfter(1000, 1, 1000, 0)).isEqualTo(Duration.ofSeconds(30));
        assertThat(Backpressure.retryAfter(10_000_000, 1, 1000, 1)).isEqualTo(Duration.ofMinutes(5));
    }
}
