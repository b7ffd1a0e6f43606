package dev.ember.functions.core.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.pool.api.InferenceException;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class CallbackPolicyTest {
    private final CallbackPolicy policy =
            new CallbackPolicy(List.of("https://hooks.example.com/", "http://127.0.0.1:"));

    @Test
    void aUrlUnderAnAllowedPrefixPasses() {
        assertThat(policy.check("https://hooks.example.com/ember?x=1"))
                .isEqualTo(URI.create("https://hooks.example.com/ember?x=1"));
        assertThat(policy.check("http://127.0.0.1:9999/sink")).isEqualTo(URI.create("http://127.0.0.1:9999/sink"));
    }

    @Test
    void othersAreA400SayingWhatIsAllowed() {
        assertThatThrownBy(() -> policy.check("http://169.254.169.254/latest/meta-data"))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("must start with one of [https://hooks.example.com/, http://127.0.0.1:]");
        assertThatThrownBy(() -> policy.check("https://hooks.example.com.evil.io/"))
                .hasMessageContaining("is not allowed");
        assertThatThrownBy(() -> policy.check("file:///etc/passwd")).hasMessageContaining("http(s) URL");
    }

    @Test
    void withNoPrefixCallbacksAreOff() {
        assertThatThrownBy(() -> new CallbackPolicy(List.of()).check("https://hooks.example.com/"))
                .hasMessageContaining("EMBER_ASYNC_CALLBACK_ALLOW is empty");
    }
}
