package dev.ember.knative.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * fabric8's model classes keep any field they do not know in {@code additionalProperties} instead
 * of failing; a manifest that is "valid" only that way has a typo or a field Knative would drop.
 * This walks a deserialized object and fails on the first unknown property, naming its path.
 */
final class StrictModel {
    private StrictModel() {}

    static void assertNoUnknownProperties(Object model) {
        walk(model, "", new IdentityHashMap<>());
    }

    private static void walk(Object o, String path, IdentityHashMap<Object, Boolean> seen) {
        if (o == null || seen.put(o, true) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "." + k, seen));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : o.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            String name = getter.getName();
            if (!name.startsWith("get") || name.equals("getClass")) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(o);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            if (name.equals("getAdditionalProperties")) {
                assertThat((Map<?, ?>) value)
                        .as(
                                "unknown properties at %s (%s)",
                                path.isEmpty() ? "/" : path, o.getClass().getSimpleName())
                        .isNullOrEmpty();
            } else {
                walk(value, path + "." + Character.toLowerCase(name.charAt(3)) + name.substring(4), seen);
            }
        }
    }
}
