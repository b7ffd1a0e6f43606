package dev.ember.functions.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.codec.InferenceCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class FailureRepliesTest {
    private final InferenceCodec codec = new InferenceCodec();
    private final FailureReplies replies = new FailureReplies(codec);

    @Test
    void overloadIs429WithRetryAfterRoundedUp() {
        HttpReply r = replies.of(new CompletionException(
                InferenceException.overloaded("queue 'realtime' is full", Duration.ofMillis(1200))));
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.headers()).containsEntry("Retry-After", "2");
        assertThat(codec.decodeError(r.body())).isEqualTo("queue 'realtime' is full");
    }

    @Test
    void unavailableWithoutAHintStillSaysWhenToRetry() {
        HttpReply r = replies.of(InferenceException.unavailable("no worker"));
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.headers()).containsEntry("Retry-After", "1");
    }

    @Test
    void badInputIs400WithoutRetryAfter() {
        HttpReply r = replies.of(InferenceException.badInput("input 'x' needs 4 elements"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.headers()).doesNotContainKey("Retry-After");
    }

    @Test
    void aBugIs500WithoutItsStackTrace() {
        HttpReply r = replies.of(new IllegalStateException("boom at Foo.java:12"));
        assertThat(r.status()).isEqualTo(500);
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(body).contains("IllegalStateException").doesNotContain("Foo.java");
    }

    @Test
    void headerLookupIgnoresCase() {
        HttpHeaders h = HttpHeaders.of(java.util.Map.of("Content-Type", "application/json"));
        assertThat(h.get("content-type")).isEqualTo("application/json");
        assertThat(h.get("CONTENT-TYPE")).isEqualTo("application/json");
        assertThat(h.get("accept")).isNull();
    }
}
