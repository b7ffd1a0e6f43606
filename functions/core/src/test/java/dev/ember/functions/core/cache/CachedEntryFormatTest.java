package dev.ember.functions.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Tensor;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CachedEntryFormatTest {
    @Test
    void everyOutputSurvivesTheRoundTripBitForBit() {
        InferenceResponse r = new InferenceResponse(
                "m",
                "3",
                "ignored-id",
                Parameters.of("ember.compute_ms", 2.0),
                List.of(
                        Tensor.ofFloats("f", new long[] {2, 2}, 1.5f, Float.NaN, -0f, Float.MAX_VALUE),
                        Tensor.ofLongs("l", new long[] {1}, Long.MIN_VALUE),
                        Tensor.ofHalfs("h", new long[] {2}, 0.5f, -2f),
                        Tensor.ofBools("b", new long[] {3}, true, false, true),
                        Tensor.ofStrings("s", new long[] {2}, "é", ""),
                        Tensor.ofFloats("scalar", new long[] {}, 7f)));
        Instant freshUntil = Instant.ofEpochMilli(1_790_000_000_123L);

        CachedEntry back = CachedEntryFormat.decode(CachedEntryFormat.encode(new CachedEntry(r, freshUntil)))
                .orElseThrow();

        assertThat(back.freshUntil()).isEqualTo(freshUntil);
        assertThat(back.response().modelName()).isEqualTo("m");
        assertThat(back.response().modelVersion()).isEqualTo("3");
        assertThat(back.response().outputs()).containsExactlyElementsOf(r.outputs());
    }

    @Test
    void foreignOrTruncatedBytesAreAMissNotAnError() {
        byte[] good = CachedEntryFormat.encode(new CachedEntry(
                new InferenceResponse(
                        "m", "1", null, Parameters.EMPTY, List.of(Tensor.ofFloats("y", new long[] {4}, 1, 2, 3, 4))),
                Instant.EPOCH));
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 3);
        assertThat(CachedEntryFormat.decode(truncated)).isEmpty();
        assertThat(CachedEntryFormat.decode("{\"json\": true}".getBytes())).isEmpty();
        assertThat(CachedEntryFormat.decode(new byte[0])).isEmpty();
    }
}
