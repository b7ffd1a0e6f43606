package dev.ember.pool.controller.scaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ScalingConfigTest {
    @Test
    void defaultsAreKnativesAndDeriveItsWindowsAndTarget() {
        ScalingConfig d = ScalingConfig.DEFAULTS;

        assertThat(d)
                .isEqualTo(new ScalingConfig(
                        100,
                        0.7,
                        Duration.ofSeconds(60),
                        10,
                        200,
                        1000,
                        2,
                        Duration.ofSeconds(30),
                        Duration.ZERO,
                        1,
                        0,
                        ScalingConfig.UNLIMITED));
        assertThat(d.target()).isEqualTo(70.0, within(1e-9));
        assertThat(d.panicWindow()).isEqualTo(Duration.ofSeconds(6));
    }

    @Test
    void panicWindowIsNeverShorterThanOneSample() {
        ScalingConfig c = ScalingConfig.builder()
                .stableWindow(Duration.ofSeconds(6))
                .panicWindowPercentage(1)
                .build();

        assertThat(c.panicWindow()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void targetHasAFloor() {
        ScalingConfig c = ScalingConfig.builder()
                .targetConcurrency(0.001)
                .targetUtilization(0.5)
                .build();

        assertThat(c.target()).isEqualTo(0.01);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                invalid(b -> b.targetConcurrency(0), "targetConcurrency must be positive, was 0.0"),
                invalid(b -> b.targetUtilization(1.5), "targetUtilization must be between 0.01 and 1, was 1.5"),
                invalid(b -> b.stableWindow(Duration.ofSeconds(5)), "stableWindow must be between 6s and 1h, was 5s"),
                invalid(b -> b.stableWindow(Duration.ofHours(2)), "stableWindow must be between 6s and 1h, was 7200s"),
                invalid(
                        b -> b.stableWindow(Duration.ofMillis(6500)),
                        "stableWindow must be whole seconds (samples are per second), was 6500ms"),
                invalid(b -> b.panicWindowPercentage(0.5), "panicWindowPercentage must be between 1 and 100, was 0.5"),
                invalid(
                        b -> b.panicThresholdPercentage(100),
                        "panicThresholdPercentage must be between 110 and 1000, was 100.0"),
                invalid(b -> b.maxScaleUpRate(1), "maxScaleUpRate must be greater than 1, was 1.0"),
                invalid(b -> b.maxScaleDownRate(0.5), "maxScaleDownRate must be greater than 1, was 0.5"),
                invalid(
                        b -> b.scaleToZeroGracePeriod(Duration.ofSeconds(-1)),
                        "scaleToZeroGracePeriod must not be negative, was -1s"),
                invalid(
                        b -> b.scaleDownDelay(Duration.ofHours(2)),
                        "scaleDownDelay must be between 0s and 1h, was 7200s"),
                invalid(b -> b.initialScale(-1), "initialScale must not be negative, was -1"),
                invalid(b -> b.minWarm(-1), "minWarm must not be negative, was -1"),
                invalid(b -> b.maxWorkers(0), "maxWorkers must be at least 1, was 0"),
                invalid(b -> b.minWarm(4).maxWorkers(3), "minWarm (4) must not exceed maxWorkers (3)"),
                invalid(b -> b.initialScale(5).maxWorkers(3), "initialScale (5) must not exceed maxWorkers (3)"));
    }

    private static Arguments invalid(UnaryOperator<ScalingConfig.Builder> change, String message) {
        return Arguments.of(change, message);
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalid")
    void invalidConfigsAreRejectedWithAClearMessage(UnaryOperator<ScalingConfig.Builder> change, String message) {
        assertThatThrownBy(() -> change.apply(ScalingConfig.builder()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }
}
