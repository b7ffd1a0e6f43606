package dev.ember.functions.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchBodiesTest {
    private static List<String> split(String body) {
        return BatchBodies.split(body.getBytes(StandardCharsets.UTF_8)).stream()
                .map(b -> new String(b, StandardCharsets.UTF_8))
                .toList();
    }

    @Test
    void aJsonListIsSplitIntoItsObjectsAsTheyWereWritten() {
        assertThat(split(" [ {\"inputs\": [{\"a\": [1, 2]}]},\n{\"id\": \"x\", \"inputs\": []} ] "))
                .containsExactly("{\"inputs\": [{\"a\": [1, 2]}]}", "{\"id\": \"x\", \"inputs\": []}");
    }

    @Test
    void ndjsonIsOneRequestPerLineBlankLinesSkipped() {
        assertThat(split("{\"inputs\": []}\r\n\n  {\"id\": \"2\", \"inputs\": []}\n"))
                .containsExactly("{\"inputs\": []}", "{\"id\": \"2\", \"inputs\": []}");
    }

    @Test
    void whatIsNotABatchIsA400SayingWhatToSend() {
        assertThatThrownBy(() -> split("  ")).hasMessageContaining("JSON list of v2 requests, or NDJSON");
        assertThatThrownBy(() -> split("[]")).hasMessageContaining("list is empty");
        assertThatThrownBy(() -> split("[{\"inputs\": []}, 3]")).hasMessageContaining("batch element 1");
        assertThatThrownBy(() -> split("[{\"inputs\": [}")).hasMessageContaining("not a valid JSON list");
    }

    @Test
    void preferRespondAsyncIsFoundAmongOtherPreferences() {
        assertThat(JobEndpoints.wantsAsync(call("respond-async"))).isTrue();
        assertThat(JobEndpoints.wantsAsync(call("return=minimal, Respond-Async; wait=10")))
                .isTrue();
        assertThat(JobEndpoints.wantsAsync(call("return=representation"))).isFalse();
        assertThat(JobEndpoints.wantsAsync(call(null))).isFalse();
    }

    private static HttpCall call(String prefer) {
        return new HttpCall(
                "POST",
                "/v2/models/m/infer",
                Map.of(),
                prefer == null ? HttpHeaders.NONE : HttpHeaders.of(Map.of("Prefer", prefer)),
                null);
    }
}
