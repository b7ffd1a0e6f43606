package dev.ember.functions.core.http;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A request's headers as the functions read them, whatever carried the request: a Vert.x {@code
 * MultiMap}, an API Gateway event's map, a test. Lookups ignore case, as HTTP does; an adapter
 * passes its own map's getter, so nothing is copied on the request path.
 */
@FunctionalInterface
public interface HttpHeaders {
    /** The first value of {@code name} (any case), or null when absent. */
    String get(String name);

    HttpHeaders NONE = name -> null;

    /** Headers from a map whose keys may be in any case (API Gateway lowercases them, tests may not). */
    static HttpHeaders of(Map<String, String> headers) {
        if (headers == null || headers.isEmpty()) {
            return NONE;
        }
        Map<String, String> folded = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> folded.putIfAbsent(k.toLowerCase(Locale.ROOT), v));
        return folded::get;
    }
}
