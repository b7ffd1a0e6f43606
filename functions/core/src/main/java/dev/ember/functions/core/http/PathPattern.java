package dev.ember.functions.core.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A route's path, such as {@code /v2/models/{model}/versions/{version}/infer}: literal segments
 * match themselves, a {@code {name}} segment matches any one non-empty segment and is captured.
 * Paths are matched already decoded; a trailing slash is not the same path.
 */
public record PathPattern(String template, List<String> segments) {
    public PathPattern {
        Objects.requireNonNull(template, "template");
        segments = List.copyOf(segments);
        if (segments.isEmpty() || isParameter(segments.get(0))) {
            throw new IllegalArgumentException("a route starts with a literal segment: " + template);
        }
    }

    public static PathPattern of(String template) {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("a path starts with '/': " + template);
        }
        return new PathPattern(template, List.of(template.substring(1).split("/", -1)));
    }

    /** The first segment: every path that starts with it belongs to whoever serves this pattern. */
    public String root() {
        return segments.get(0);
    }

    /** The captured segments when {@code path} matches, else empty. */
    public Optional<Map<String, String>> match(String path) {
        return match(split(path));
    }

    /** As {@link #match(String)}, for a path already {@link #split}: a router splits it once for all routes. */
    public Optional<Map<String, String>> match(List<String> parts) {
        if (parts.size() != segments.size()) {
            return Optional.empty();
        }
        Map<String, String> captured = null;
        for (int i = 0; i < parts.size(); i++) {
            String want = segments.get(i);
            String got = parts.get(i);
            if (isParameter(want)) {
                if (got.isEmpty()) {
                    return Optional.empty();
                }
                if (captured == null) {
                    captured = new HashMap<>(4);
                }
                captured.put(want.substring(1, want.length() - 1), got);
            } else if (!want.equals(got)) {
                return Optional.empty();
            }
        }
        return Optional.of(captured == null ? Map.of() : captured);
    }

    /** The segments of {@code path} ({@code "/a/b"} is {@code [a, b]}); empty for a path without '/'. */
    public static List<String> split(String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return List.of();
        }
        List<String> parts = new ArrayList<>(8);
        int from = 1;
        for (int i = 1; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '/') {
                parts.add(path.substring(from, i));
                from = i + 1;
            }
        }
        return parts;
    }

    private static boolean isParameter(String segment) {
        return segment.length() > 2 && segment.startsWith("{") && segment.endsWith("}");
    }
}
