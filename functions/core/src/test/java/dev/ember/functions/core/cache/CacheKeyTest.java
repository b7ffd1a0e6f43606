package dev.ember.functions.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.RequestedOutput;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.InferenceCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheKeyTest {
    private final InferenceCodec codec = new InferenceCodec();

    private InferenceRequest json(String body) {
        return codec.decodeRequest(body.getBytes(StandardCharsets.UTF_8), -1);
    }

    @Test
    void numbersWrittenAsIntegersOrFloatsNestedOrFlatGiveOneKey() {
        InferenceRequest a = json("""
                {"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP32", "data": [1, 2, 3, 4]}]}""");
        InferenceRequest b = json("""
                {"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP32", "data": [[1.0, 2.0], [3.0, 4.0]]}]}""");
        InferenceRequest c = InferenceRequest.of(Tensor.ofFloats("x", new long[] {2, 2}, 1, 2, 3, 4));
        assertThat(CacheKey.of("m", "1", a)).isEqualTo(CacheKey.of("m", "1", b)).isEqualTo(CacheKey.of("m", "1", c));
    }

    @Test
    void inputOrderOutputOrderAndTransportDoNotMatter() {
        Tensor x = Tensor.ofFloats("x", new long[] {1, 1}, 1);
        Tensor y = Tensor.ofInts("y", new long[] {1, 1}, 2);
        InferenceRequest xy = new InferenceRequest(
                null, Parameters.EMPTY, List.of(x, y), List.of(RequestedOutput.named("a"), RequestedOutput.named("b")));
        InferenceRequest yx = new InferenceRequest(
                "other-id",
                Parameters.of("binary_data_output", true),
                List.of(y, x),
                List.of(RequestedOutput.named("b"), new RequestedOutput("a", Parameters.of("binary_data", true))));
        assertThat(CacheKey.of("m", "1", xy)).isEqualTo(CacheKey.of("m", "1", yx));
    }

    @Test
    void anythingThatChangesTheAnswerChangesTheKey() {
        InferenceRequest base = InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 2}, 1, 2));
        CacheKey key = CacheKey.of("m", "1", base);
        assertThat(CacheKey.of("other", "1", base)).isNotEqualTo(key);
        assertThat(CacheKey.of("m", "2", base)).isNotEqualTo(key);
        assertThat(CacheKey.of("m", "1", InferenceRequest.of(Tensor.ofFloats("x", new long[] {2, 1}, 1, 2))))
                .as("same bytes, other shape")
                .isNotEqualTo(key);
        assertThat(CacheKey.of("m", "1", InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 2}, 1, 3))))
                .isNotEqualTo(key);
        assertThat(CacheKey.of("m", "1", InferenceRequest.of(Tensor.ofInts("x", new long[] {1, 2}, 1, 2))))
                .as("other datatype")
                .isNotEqualTo(key);
        assertThat(CacheKey.of("m", "1", base.withOutputs(List.of(RequestedOutput.named("y")))))
                .as("other requested outputs")
                .isNotEqualTo(key);
    }

    @Test
    void namesCannotRunTogether() {
        // "ab" + "c" must not hash like "a" + "bc".
        InferenceRequest r = InferenceRequest.of(Tensor.ofFloats("x", new long[] {1}, 1));
        assertThat(CacheKey.of("ab", "c", r)).isNotEqualTo(CacheKey.of("a", "bc", r));
    }
}
