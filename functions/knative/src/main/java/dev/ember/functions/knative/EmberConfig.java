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

    Async async();

    Admission admission();

    interface Pool {
        /**
         * A remote pool's v2 endpoint, e.g. {@code http://10.0.0.7:8000}, or a template with {@code
         * {model}} routing each model to its own pool; absent: the embedded pool.
         */
        Optional<String> url();

        /** With a {@code {model}} template: the models it routes, comma-separated. */
        Optional<String> models();

        Local local();
    }

    /** The embedded pool: worker processes this app starts, scales and stops itself. */
    interface Local {
        /** The model repository its workers serve ({@code EMBER_MODELS}). */
        Optional<Path> models();

        /** The packaged worker ({@code gpu-pool/worker/target/ember-pool-worker.jar}). */
        Optional<Path> workerJar();

        /** JVM options of each worker, space-separated (heap, class-data archive, native path). */
        @io.smallrye.config.WithDefault("-Xmx1g")
        String workerJvmOptions();

        /** Where workers keep ONNX Runtime's optimized models between cold starts. */
        Optional<Path> cacheDir();

        /** Spare runtimes kept started for fast cold starts. */
        @io.smallrye.config.WithDefault("1")
        int spares();

        /** How many of a model's hottest requests are recomputed before a new version takes traffic. */
        @io.smallrye.config.WithDefault("100")
        int hotKeysToWarm();
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

    /** Durable async inference ({@code dev.ember.functions.core.jobs}); needs Redis. */
    interface Async {
        /** Consumers of the job streams in this process: 0 (submit only; {@code bin/ember consumer} runs them) or 1. */
        int consumers();

        /** Jobs this process's consumer runs at once. */
        int concurrency();

        /** The longest a job's Redis command (accepting, recording, finishing it) may take: longer than the cache's. */
        Duration redisTimeout();

        /** Jobs a class may hold accepted and unfinished; past it submissions get 429. */
        long streamCap();

        /** Runs of a job before it is dead-lettered. */
        int maxAttempts();

        /** How long a job may stay with a consumer before another takes it over. */
        Duration visibilityTimeout();

        /** How long job records and results are kept (after submission, and again after they finish). */
        Duration jobTtl();

        /** Where completion events go ({@code K_SINK}, set by Knative's SinkBinding or the manifests). */
        Optional<String> sink();

        /** URL prefixes a submission's callback must start with, comma-separated; empty: no callbacks. */
        Optional<String> callbackAllow();
    }

    /** The front door's priority admission ({@code dev.ember.functions.core.admission.PriorityAdmission}). */
    interface Admission {
        /** False: the gateway admits every request (the pool's own admission still applies). */
        boolean enabled();

        /** Lower classes are held back while computed answers take over this many times the fastest one. */
        double tolerance();
    }

    interface Limits {
        /** Largest request body; larger ones are refused with 400 before they are read. */
        long maxBodyBytes();

        /** Largest number of tensor elements in one request. */
        long maxElements();
    }
}
