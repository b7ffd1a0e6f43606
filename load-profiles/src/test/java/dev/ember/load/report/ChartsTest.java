package dev.ember.load.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChartsTest {
    @Test
    void aLogScaleOnlyWhereLatenciesSpanDecades() {
        assertThat(Charts.logScale(List.of(28.0, 113.0, 290.0))).isFalse(); // steady: 30-300 ms
        assertThat(Charts.logScale(Arrays.asList(19.8, 1835.0, null, Double.NaN)))
                .isTrue(); // spike
        assertThat(Charts.logScale(List.of())).isFalse();
    }

    @Test
    void deploymentReadsAsLines() {
        String d = HtmlReport.deployment(Map.of(
                "models",
                Map.of("ppocr-det", Map.of("scaling", Map.of("stable_window_seconds", 6))),
                "environment",
                Map.of("EMBER_POOL_LOCAL_SPARES", "0")));
        assertThat(d).isEqualTo("ppocr-det: scaling.stable_window_seconds=6\nenvironment: EMBER_POOL_LOCAL_SPARES=0");
        assertThat(HtmlReport.deployment(Map.of("models", Map.of())))
                .isEqualTo("models: as shipped (their config.yaml)");
    }
}
