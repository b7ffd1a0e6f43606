package dev.ember.pool.api.validation;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.pool.api.DataType;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.TensorMetadata;
import dev.ember.pool.api.config.ModelConfigException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DimensionMultiplesTest {
    private static final ModelMetadata DETECTOR = new ModelMetadata(
            "det",
            List.of("1"),
            ModelMetadata.PLATFORM,
            List.of(new TensorMetadata("x", DataType.FP32, Shape.of(-1, 3, -1, -1))),
            List.of(new TensorMetadata("map", DataType.FP32, Shape.of(-1, 1, -1, -1))),
            Parameters.EMPTY);
    private static final Map<String, List<Long>> SIDES_OF_32 = Map.of("x", List.of(1L, 1L, 32L, 32L));

    private static InferenceRequest image(long h, long w) {
        return InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 3, h, w}, new float[(int) (3 * h * w)]));
    }

    @Test
    void sizesThatAreMultiplesPass() {
        DimensionMultiples rule = DimensionMultiples.of("det", SIDES_OF_32, DETECTOR);
        assertThatCode(() -> rule.check(image(64, 96))).doesNotThrowAnyException();
    }

    @Test
    void aSizeThatIsNotAMultipleIsBadInputNamingTheNearestSizesThatWork() {
        DimensionMultiples rule = DimensionMultiples.of("det", SIDES_OF_32, DETECTOR);
        assertThatThrownBy(() -> rule.check(image(64, 100)))
                .isInstanceOfSatisfying(
                        InferenceException.class,
                        e -> org.assertj.core.api.Assertions.assertThat(e.reason())
                                .isEqualTo(InferenceException.Reason.BAD_INPUT))
                .hasMessage("input 'x' has size 100 in dimension 3; det takes only multiples of 32 there"
                        + " (e.g. 96 or 128)");
        assertThatThrownBy(() -> rule.check(image(20, 32))).hasMessageEndingWith("(e.g. 32)");
    }

    @Test
    void aRuleForAnInputTheModelLacksOrOfTheWrongRankIsAConfigError() {
        assertThatThrownBy(() -> DimensionMultiples.of("det", Map.of("y", List.of(1L)), DETECTOR))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("names input 'y'")
                .hasMessageContaining("[x]");
        assertThatThrownBy(() -> DimensionMultiples.of("det", Map.of("x", List.of(1L, 32L)), DETECTOR))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("rank 4");
    }
}
