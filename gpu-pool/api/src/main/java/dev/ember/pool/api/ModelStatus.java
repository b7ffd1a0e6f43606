package dev.ember.pool.api;

import java.util.Objects;

/** A row of the repository index ({@code POST /v2/repository/index}): a served version and whether it takes requests. */
public record ModelStatus(String name, String version, boolean ready) {
    public ModelStatus {
        Objects.requireNonNull(name, "name");
    }
}
