package dev.ember.knative.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * "Is what we want already there?": true if every field of {@code desired} is in {@code live} with
 * an equal value. A cluster adds to what it was given (Knative defaults timeouts, traffic, probes'
 * thresholds; Kubernetes adds metadata), so equality would see a change on every apply; the subset
 * does not, which is what makes applying twice change nothing. Lists must have the same length and
 * match element by element; numbers compare by value (200 and 200L are the same).
 */
final class Subset {
    private Subset() {}

    static boolean contains(JsonNode live, JsonNode desired) {
        if (desired == null || desired.isNull() || desired.isMissingNode()) {
            return true;
        }
        if (live == null || live.isNull() || live.isMissingNode()) {
            return desired.isEmpty() && (desired.isObject() || desired.isArray());
        }
        if (desired.isObject()) {
            if (!live.isObject()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = desired.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!contains(live.get(field.getKey()), field.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (desired.isArray()) {
            if (!live.isArray() || live.size() != desired.size()) {
                return false;
            }
            for (int i = 0; i < desired.size(); i++) {
                if (!contains(live.get(i), desired.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (desired.isNumber() && live.isNumber()) {
            return desired.decimalValue().compareTo(live.decimalValue()) == 0;
        }
        return desired.equals(live);
    }
}
