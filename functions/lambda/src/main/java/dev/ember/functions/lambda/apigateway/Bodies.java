package dev.ember.functions.lambda.apigateway;

import dev.ember.functions.core.http.HttpReply;
import dev.ember.pool.api.InferenceException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the two API Gateway payload versions share: bodies (base64 when API Gateway says so, as it
 * does for the binary tensor extension), query strings, and how an answer's body is carried back
 * (as text when it is JSON or text, else base64 with {@code isBase64Encoded}).
 */
final class Bodies {
    private Bodies() {}

    static byte[] decode(String body, Boolean base64) {
        if (body == null || body.isEmpty()) {
            return new byte[0];
        }
        if (Boolean.TRUE.equals(base64)) {
            try {
                return Base64.getDecoder().decode(body);
            } catch (IllegalArgumentException e) {
                throw InferenceException.badInput("the request body is marked base64 but is not: " + e.getMessage());
            }
        }
        return body.getBytes(StandardCharsets.UTF_8);
    }

    /** True when the reply's body travels as text; binary tensors (and anything else) go base64. */
    static boolean textual(HttpReply reply) {
        String type = reply.contentType();
        if (type == null) {
            return true; // no body, or an empty one
        }
        String t = type.toLowerCase(Locale.ROOT);
        return t.startsWith("application/json") || t.startsWith("text/");
    }

    static String encode(HttpReply reply) {
        return textual(reply)
                ? new String(reply.body(), StandardCharsets.UTF_8)
                : Base64.getEncoder().encodeToString(reply.body());
    }

    /** The reply's headers as API Gateway takes them, Content-Type included. */
    static Map<String, String> headers(HttpReply reply) {
        Map<String, String> headers = new LinkedHashMap<>(reply.headers());
        if (reply.contentType() != null) {
            headers.put("Content-Type", reply.contentType());
        }
        return headers;
    }

    /** Each parameter's first value from a raw query string ({@code a=1&b=x%20y}). */
    static Map<String, String> query(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = unescape(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : unescape(pair.substring(eq + 1));
            query.putIfAbsent(name, value);
        }
        return query;
    }

    /** Each parameter's first value, from API Gateway's multi-value map (or its single-value one). */
    static Map<String, String> firstValues(Map<String, List<String>> multi, Map<String, String> single) {
        Map<String, String> out = new LinkedHashMap<>();
        if (multi != null) {
            multi.forEach((k, v) -> {
                if (v != null && !v.isEmpty()) {
                    out.putIfAbsent(k, v.get(0));
                }
            });
        }
        if (single != null) {
            single.forEach(out::putIfAbsent);
        }
        return out;
    }

    private static String unescape(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw InferenceException.badInput("malformed query string: " + e.getMessage());
        }
    }

    /** Percent-decodes a raw path ({@code +} stays a plus: that rule is the query string's). */
    static String path(String raw) {
        if (raw == null || raw.isEmpty()) {
            return "/";
        }
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw InferenceException.badInput("malformed path '" + raw + "': " + e.getMessage());
        }
    }
}
