package dev.ember.pool.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code parameters} object of requests, responses and tensors: string keys to string, boolean,
 * integer or floating-point values (integers are held as {@code Long}, floats as {@code Double}).
 */
public record Parameters(Map<String, Object> values) {
    public static final Parameters EMPTY = new Parameters(Map.of());

    public Parameters {
        Map<String, Object> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> copy.put(k, normalize(k, v)));
        values = Collections.unmodifiableMap(copy);
    }

    public static Parameters of(String key, Object value) {
        return EMPTY.with(key, value);
    }

    public Parameters with(String key, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(values);
        copy.put(key, value);
        return new Parameters(copy);
    }

    public Parameters without(String key) {
        if (!values.containsKey(key)) {
            return this;
        }
        Map<String, Object> copy = new LinkedHashMap<>(values);
        copy.remove(key);
        return new Parameters(copy);
    }

    public Parameters withAll(Parameters more) {
        if (more.isEmpty()) {
            return this;
        }
        Map<String, Object> copy = new LinkedHashMap<>(values);
        copy.putAll(more.values);
        return new Parameters(copy);
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    public Optional<String> string(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof String s) {
            return Optional.of(s);
        }
        throw InferenceException.badInput("parameter '" + key + "' must be a string, got " + v);
    }

    public Optional<Long> integer(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Long l) {
            return Optional.of(l);
        }
        if (v instanceof String s) {
            try {
                return Optional.of(Long.parseLong(s.trim()));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw InferenceException.badInput("parameter '" + key + "' must be an integer, got " + v);
    }

    public Optional<Boolean> bool(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Boolean b) {
            return Optional.of(b);
        }
        throw InferenceException.badInput("parameter '" + key + "' must be true or false, got " + v);
    }

    private static Object normalize(String key, Object v) {
        if (key == null) {
            throw InferenceException.badInput("parameter names must not be null");
        }
        if (v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double) {
            return v;
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Float f) {
            return f.doubleValue();
        }
        throw InferenceException.badInput(
                "parameter '" + key + "' must be a string, boolean or number, got " + (v == null ? "null" : v));
    }
}
