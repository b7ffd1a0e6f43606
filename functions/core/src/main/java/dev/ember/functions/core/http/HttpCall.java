package dev.ember.functions.core.http;

import java.util.Map;
import java.util.Objects;

/**
 * One HTTP request to the functions, free of any framework: the Quarkus routes and the Lambda
 * handlers each turn theirs into this, and the endpoints in this package answer it, so every door
 * has the same semantics. {@code path} is decoded and has no query; {@code query} holds each
 * parameter's first value; {@code body} is the whole body (empty, never null).
 */
public record HttpCall(String method, String path, Map<String, String> query, HttpHeaders headers, byte[] body) {
    private static final byte[] EMPTY = new byte[0];

    public HttpCall {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        query = query == null ? Map.of() : query;
        headers = headers == null ? HttpHeaders.NONE : headers;
        body = body == null ? EMPTY : body;
    }

    public String header(String name) {
        return headers.get(name);
    }
}
