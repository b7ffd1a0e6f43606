package dev.ember.functions.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PathPatternTest {
    private final PathPattern infer = PathPattern.of("/v2/models/{model}/versions/{version}/infer");

    @Test
    void capturesEachParameterSegment() {
        assertThat(infer.match("/v2/models/mlp-tiny/versions/3/infer"))
                .contains(Map.of("model", "mlp-tiny", "version", "3"));
        assertThat(PathPattern.of("/v2").match("/v2")).contains(Map.of());
    }

    @Test
    void literalsCountAndEmptySegmentsDoNotMatch() {
        assertThat(infer.match("/v2/models/mlp-tiny/infer")).isEmpty();
        assertThat(infer.match("/v2/models//versions/3/infer")).isEmpty();
        assertThat(infer.match("/v2/models/m/versions/3/infer/")).isEmpty();
        assertThat(infer.match("/v2/model/m/versions/3/infer")).isEmpty();
        assertThat(infer.match("")).isEmpty();
        assertThat(infer.root()).isEqualTo("v2");
    }

    @Test
    void aRouteStartsWithALiteral() {
        assertThatThrownBy(() -> PathPattern.of("/{model}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PathPattern.of("v2")).isInstanceOf(IllegalArgumentException.class);
    }
}
