package dev.ember.functions.core.jobs;

import dev.ember.pool.api.InferenceException;
import java.net.URI;
import java.util.List;

/**
 * Which per-submission {@code callback} URLs completion events may be POSTed to: only http(s) URLs
 * starting with one of the configured prefixes ({@code EMBER_ASYNC_CALLBACK_ALLOW}), so a caller
 * cannot make the functions POST into the internal network. Checked at submission: a refused
 * callback is a 400 there, not an event that never arrives.
 */
public record CallbackPolicy(List<String> allowedPrefixes) {
    public CallbackPolicy {
        allowedPrefixes = List.copyOf(allowedPrefixes);
    }

    public URI check(String callback) {
        URI uri;
        try {
            uri = URI.create(callback.strip());
        } catch (IllegalArgumentException e) {
            throw InferenceException.badInput("callback '" + callback + "' is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme();
        if (uri.getHost() == null || !("http".equals(scheme) || "https".equals(scheme))) {
            throw InferenceException.badInput("callback '" + callback + "' must be an http(s) URL with a host");
        }
        String text = uri.toString();
        for (String prefix : allowedPrefixes) {
            if (text.startsWith(prefix)) {
                return uri;
            }
        }
        throw InferenceException.badInput(
                allowedPrefixes.isEmpty()
                        ? "callback URLs are not enabled on this deployment (EMBER_ASYNC_CALLBACK_ALLOW is empty):"
                                + " leave callback out and poll GET /jobs/{id}, or ask the operator to allow your URL"
                        : "callback '" + callback + "' is not allowed: it must start with one of " + allowedPrefixes
                                + " (EMBER_ASYNC_CALLBACK_ALLOW)");
    }
}
