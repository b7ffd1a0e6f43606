package dev.ember.functions.core.http;

import java.util.Map;
import java.util.Objects;

/**
 * One HTTP answer from the functions' endpoints, ready to write: status, content type, any other
 * headers ({@code Retry-After}, {@code Location}, {@code Inference-Header-Content-Length}), and the
 * encoded body. An adapter writes it as it is and decides nothing.
 */
public record HttpReply(int status, String contentType, Map<String, String> headers, byte[] body) {
    public HttpReply {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status " + status);
        }
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        Objects.requireNonNull(body, "body");
    }

    public static HttpReply json(int status, byte[] body) {
        return new HttpReply(status, "application/json", Map.of(), body);
    }

    /** A status with no body (readiness probes answer this way, as the worker does). */
    public static HttpReply empty(int status) {
        return new HttpReply(status, null, Map.of(), new byte[0]);
    }
}
