package dev.ember.functions.core.tenancy;

import java.util.Objects;
import java.util.Set;

/**
 * A customer of the platform: its id (used in rate-limit keys and metrics), its plan, and the
 * models it may call ({@code models} empty: all).
 */
public record Tenant(String id, Plan plan, Set<String> models) {
    /** The caller when authentication is off (no tenants configured). */
    public static final Tenant ANONYMOUS = new Tenant("anonymous", Plan.UNLIMITED, Set.of());

    public Tenant {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(plan, "plan");
        models = Set.copyOf(models);
    }

    public boolean mayUse(String model) {
        return models.isEmpty() || models.contains(model);
    }
}
