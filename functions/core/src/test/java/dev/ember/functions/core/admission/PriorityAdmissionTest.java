package dev.ember.functions.core.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.pool.api.PriorityClass;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Synthetic time: intervals of 500 ms, answers of 3 ms at rest. */
class PriorityAdmissionTest {
    private static final long MS = 1_000_000L;
    private static final long INTERVAL = 500 * MS;

    private final PriorityAdmission door = new PriorityAdmission(AdmissionSettings.DEFAULTS);
    private long now = 1_000 * MS;

    /** {@code n} requests admitted and answered in one interval, each after {@code latencyMs}. */
    private void answered(int n, double latencyMs) {
        for (int i = 0; i < n; i++) {
            assertThat(door.admit(PriorityClass.VIP, now)).isEmpty();
            door.finished((long) (latencyMs * MS), true, now);
        }
    }

    private void nextInterval() {
        now += INTERVAL;
    }

    /** Holds {@code n} realtime requests in flight (admitted, not answered). */
    private int hold(int n) {
        int admitted = 0;
        for (int i = 0; i < n; i++) {
            if (door.admit(PriorityClass.REALTIME, now).isEmpty()) {
                admitted++;
            }
        }
        return admitted;
    }

    private void rest() {
        answered(20, 3);
        nextInterval();
        answered(20, 3);
        nextInterval();
    }

    @Test
    void aDoorThatIsNotCongestedRefusesNothing() {
        rest();
        assertThat(hold(500)).isEqualTo(500);
    }

    @Test
    void congestionSetsTheLimitUnderWhatWasInFlightAndRefusesRealtimeButNeverVip() {
        rest();
        assertThat(hold(300)).isEqualTo(300);
        answered(20, 400); // 20 answers at 133× the floor, 300 in flight
        nextInterval();
        assertThat(door.admit(PriorityClass.VIP, now)).isEmpty(); // closes the interval: limit 0.9 × 301
        assertThat(door.limit()).isEqualTo(270);
        Optional<PriorityAdmission.Refusal> refused = door.admit(PriorityClass.REALTIME, now);
        assertThat(refused).isPresent();
        assertThat(refused.get().reason())
                .contains("301 requests are in flight")
                .contains("over 2× the fastest (3.0 ms), realtime")
                .contains("realtime requests are admitted below 270");
        assertThat(refused.get().retryAfter()).isEqualTo(Duration.ofSeconds(8)); // 302 / 40 answers per s
        assertThat(door.admit(PriorityClass.VIP, now)).isEmpty(); // vip: 301 in flight or not
    }

    @Test
    void lowerClassesAreRefusedFirst() {
        rest();
        hold(40);
        answered(20, 30);
        nextInterval();
        door.admit(PriorityClass.VIP, now); // closes the interval: limit 0.9 × 41 = 36.9
        assertThat(door.limit()).isEqualTo(36);
        // 41 in flight: above every limit; let 30 go and look again
        for (int i = 0; i < 30; i++) {
            door.finished(30 * MS, false, now);
        }
        assertThat(door.inFlight()).isEqualTo(11);
        assertThat(door.admit(PriorityClass.BATCH, now)).isPresent(); // batch below 36 / 4 = 9
        assertThat(door.admit(PriorityClass.ASYNC, now)).isEmpty(); // async below 18
        assertThat(door.admit(PriorityClass.REALTIME, now)).isEmpty();
    }

    @Test
    void theLimitGrowsBackOnceAnswersAreFastAgain() {
        rest();
        hold(20);
        answered(20, 30);
        nextInterval();
        door.admit(PriorityClass.VIP, now);
        assertThat(door.limit()).isEqualTo(18); // 0.9 × 21
        answered(20, 4); // fast again (4 ms < 3 × 3 ms)
        nextInterval();
        door.admit(PriorityClass.VIP, now);
        assertThat(door.limit()).isEqualTo(21); // + max(1, 18.9 / 8)
    }

    @Test
    void aFewSlowAnswersAreNotCongestionSoABurstBehindAColdStartIsLetIn() {
        rest();
        answered(5, 400); // five requests that waited for a worker to start: under minSamples
        nextInterval();
        assertThat(hold(200)).isEqualTo(200);
    }

    @Test
    void withNoHigherClassAroundNothingIsHeldBack() {
        rest();
        hold(40);
        answered(20, 30);
        nextInterval();
        door.admit(PriorityClass.VIP, now); // closes the interval: limit 36
        now += 3 * INTERVAL; // no vip for longer than two intervals: realtime has nobody to give way to
        assertThat(hold(100)).isEqualTo(100);
        assertThat(door.admit(PriorityClass.VIP, now)).isEmpty(); // vip is back: realtime gives way again
        assertThat(door.admit(PriorityClass.REALTIME, now)).isPresent();
    }

    @Test
    void nothingIsRefusedBeforeAnyAnswerWasMeasured() {
        assertThat(hold(1000)).isEqualTo(1000);
    }

    @Test
    void theLimitNeverGoesBelowItsMinimum() {
        rest();
        hold(1);
        answered(20, 100);
        nextInterval();
        door.admit(PriorityClass.VIP, now);
        assertThat(door.limit()).isEqualTo(2);
    }

    @Test
    void switchedOffItAdmitsEveryone() {
        PriorityAdmission off = new PriorityAdmission(AdmissionSettings.DEFAULTS.withEnabled(false));
        for (int i = 0; i < 20; i++) {
            off.admit(PriorityClass.VIP, now);
            off.finished(3 * MS, true, now);
        }
        for (int i = 0; i < 50; i++) {
            off.admit(PriorityClass.BATCH, now);
        }
        off.finished(500 * MS, true, now);
        now += 2 * INTERVAL;
        assertThat(off.admit(PriorityClass.BATCH, now)).isEmpty();
    }
}
