package dev.ember.functions.core.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.pool.api.InferenceException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private final RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(10));

    @Test
    void delaysDoubleFromTheBaseUpToTheMax() {
        assertThat(policy.backoff(1)).isEqualTo(Duration.ofMillis(200));
        assertThat(policy.backoff(2)).isEqualTo(Duration.ofMillis(400));
        assertThat(policy.backoff(4)).isEqualTo(Duration.ofMillis(1600));
        assertThat(policy.backoff(7)).isEqualTo(Duration.ofSeconds(10));
        assertThat(policy.backoff(200)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void theJobsOwnFailuresCountAndTheLastTryDeadLettersWithTheReason() {
        InferenceException bad = InferenceException.badInput("id 100000 is outside the table");
        assertThat(policy.after(0, 1, bad)).isEqualTo(new RetryPolicy.Retry(Duration.ofMillis(200), true));
        assertThat(policy.after(3, 4, bad)).isEqualTo(new RetryPolicy.Retry(Duration.ofMillis(1600), true));
        RetryPolicy.Decision d = policy.after(4, 5, bad);
        assertThat(d).isInstanceOf(RetryPolicy.DeadLetter.class);
        assertThat(((RetryPolicy.DeadLetter) d).reason())
                .isEqualTo("failed 5 times; last: bad_input: id 100000 is outside the table");
        assertThat(policy.after(1, 2, new IllegalStateException("boom")))
                .isEqualTo(new RetryPolicy.Retry(Duration.ofMillis(400), true));
    }

    @Test
    void aShedOrUnreachablePoolMakesTheJobWaitWithoutCountingHonouringRetryAfter() {
        InferenceException shed = InferenceException.overloaded("queue full", Duration.ofSeconds(3));
        assertThat(policy.after(4, 2, shed)).isEqualTo(new RetryPolicy.Retry(Duration.ofSeconds(3), false));
        InferenceException veryBusy = InferenceException.overloaded("queue full", Duration.ofMinutes(3));
        assertThat(policy.after(0, 1, veryBusy)).isEqualTo(new RetryPolicy.Retry(Duration.ofSeconds(10), false));
        // no Retry-After: the delay grows with the runs
        assertThat(policy.after(0, 3, InferenceException.unavailable("pool down")))
                .isEqualTo(new RetryPolicy.Retry(Duration.ofMillis(800), false));
    }

    @Test
    void aDriverWhoseQueueCountsDeliveriesCountsEveryFailedRun() {
        InferenceException shed = InferenceException.overloaded("queue full", Duration.ofSeconds(3));
        assertThat(policy.afterDelivery(1, shed)).isEqualTo(new RetryPolicy.Retry(Duration.ofSeconds(3), true));
        assertThat(policy.afterDelivery(5, shed))
                .isEqualTo(new RetryPolicy.DeadLetter("failed 5 times; last: overloaded: queue full"));
    }
}
