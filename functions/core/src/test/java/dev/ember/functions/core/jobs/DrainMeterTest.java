package dev.ember.functions.core.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class DrainMeterTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void theRateIsFinishedJobsPerSecondSmoothed() {
        DrainMeter m = new DrainMeter();
        m.observe(1000, 0);
        assertThat(m.perSecond()).isZero();
        m.observe(1100, SECOND); // 100/s
        assertThat(m.perSecond()).isEqualTo(100.0);
        m.observe(1100, 2 * SECOND); // an idle second: 0.3 × 0 + 0.7 × 100
        assertThat(m.perSecond()).isCloseTo(70.0, within(1e-9));
        m.observe(1300, 4 * SECOND); // 100/s over two seconds
        assertThat(m.perSecond()).isCloseTo(0.3 * 100 + 0.7 * 70, within(1e-9));
    }
}
