package dev.ember.functions.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RequestMemoTest {
    private final RequestMemo<String> memo = new RequestMemo<>(1 << 20, 1024);
    private final AtomicInteger decodes = new AtomicInteger();
    private final Function<byte[], String> decoder = b -> {
        decodes.incrementAndGet();
        return new String(b, StandardCharsets.UTF_8).toUpperCase();
    };

    @Test
    void theSameBytesOnTheSameRouteAreDecodedOnceRemembered() {
        byte[] body = bytes("{\"inputs\": [1, 2]}");
        RequestMemo.Lookup<String> first = memo.decode("m", body, -1, decoder);
        assertThat(first.remembered()).isFalse();
        memo.remember(first, body);

        RequestMemo.Lookup<String> again = memo.decode("m", bytes("{\"inputs\": [1, 2]}"), -1, decoder);

        assertThat(again.remembered()).isTrue();
        assertThat(again.decoded()).isEqualTo("{\"INPUTS\": [1, 2]}");
        assertThat(decodes).hasValue(1);
    }

    @Test
    void otherBytesAnotherRouteOrAnotherJsonLengthAreDecoded() {
        byte[] body = bytes("{\"inputs\": [1, 2]}");
        memo.remember(memo.decode("m", body, -1, decoder), body);

        assertThat(memo.decode("m", bytes("{\"inputs\": [1, 3]}"), -1, decoder).remembered())
                .isFalse();
        assertThat(memo.decode("other", body, -1, decoder).remembered()).isFalse();
        assertThat(memo.decode("m", body, 10, decoder).remembered()).isFalse();
        assertThat(decodes).hasValue(4);
    }

    @Test
    void aBodyOverTheSizeLimitIsNeverKept() {
        byte[] big = new byte[2048];
        RequestMemo.Lookup<String> lookup = memo.decode("m", big, -1, decoder);
        memo.remember(lookup, big);
        assertThat(memo.size()).isZero();
        assertThat(memo.decode("m", big, -1, decoder).remembered()).isFalse();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
