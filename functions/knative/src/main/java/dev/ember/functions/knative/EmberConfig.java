package dev.ember.functions.knative;

import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The app's configuration, {@code ember.*}; defaults are in {@code application.properties}, and
 * every key can be overridden from the environment ({@code EMBER_LIMITS_MAX_BODY_BYTES}, or the
 * short {@code POOL_URL} and {@code REDIS_URL} that {@code application.properties} reads).
 */
@ConfigMapping(prefix = "ember")
public interface EmberConfig {
    Pool pool();

    Redis redis();

    Tenants tenants();

    Limits limits();

    interface Pool {
        /** The pool's v2 endpoint, e.g. {@code http://127.0.0.1:8000}. Required. */
        String url();
    }

    interface Redis {
        /** {@code redis://host:port[/db]}; shared response cache, fill locks and rate limits. */
        String url();

        /**
         * If true, Redis is part of the deployment: start even when it is down and keep reconnecting.
         * If false (local use), a Redis that does not answer at startup is replaced by an in-process
         * cache and in-process rate limits for the process's life.
         */
        boolean required();

        /** Prefix of every key written, so deployments (and test runs) sharing a Redis do not collide. */
        String keyPrefix();

        /** The longest a Redis command may take before the request goes on without it. */
        Duration timeout();
    }

    interface Tenants {
        /** The tenants file (YAML, see {@code TenantDirectory}); absent: authentication is off. */
        Optional<Path> file();
    }

    interface Limits {
        /** Largest request body; larger ones are refused with 400 before they are read. */
        long maxBodyBytes();

        /** Largest number of tensor elements in one request. */
        long maxElements();
    }
}
