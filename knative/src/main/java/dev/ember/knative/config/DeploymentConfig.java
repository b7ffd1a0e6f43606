package dev.ember.knative.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where and how Ember is deployed to Knative: the images, the Secrets it reads, and the functions
 * Service's scaling. Everything else comes from the model repository. Read from YAML by {@link
 * DeploymentConfigReader}; every key has a default, so a fresh checkout renders without a file.
 *
 * @param namespace the namespace, or empty: the kubeconfig's current namespace (else {@code default})
 * @param functionsImage the functions image (Quarkus app; {@code mvn -pl functions/knative -am
 *     package -Dquarkus.container-image.build=true})
 * @param workerImage the CPU worker image ({@code mvn -pl gpu-pool/worker -am package jib:build})
 * @param workerGpuImage the worker image built with {@code -Pgpu}, for models whose device is cuda
 * @param secretName the Secret holding {@code redis-url} (required) for the functions
 * @param tenantsSecret a Secret holding {@code tenants.yaml}: authentication on; empty: off
 * @param functions the functions Service's scaling
 * @param broker the Knative Eventing Broker the Triggers subscribe to; empty: no Broker, no Triggers
 * @param pool how the pool Services run their workers
 */
public record DeploymentConfig(
        Optional<String> namespace,
        String functionsImage,
        String workerImage,
        String workerGpuImage,
        String secretName,
        Optional<String> tenantsSecret,
        Functions functions,
        Optional<String> broker,
        Pool pool) {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public static final DeploymentConfig DEFAULTS = new DeploymentConfig(
            Optional.empty(),
            "ember/functions:0.1.0",
            "ember/worker:0.1.0",
            "ember/worker-gpu:0.1.0",
            "ember-secrets",
            Optional.empty(),
            Functions.DEFAULTS,
            Optional.of("default"),
            Pool.DEFAULTS);

    public DeploymentConfig {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(tenantsSecret, "tenantsSecret");
        Objects.requireNonNull(broker, "broker");
        Objects.requireNonNull(functions, "functions");
        Objects.requireNonNull(pool, "pool");
        namespace.ifPresent(n -> requireLabel("namespace", n));
        requireLabel("secret_name", secretName);
        tenantsSecret.ifPresent(n -> requireLabel("tenants_secret", n));
        broker.ifPresent(n -> requireLabel("broker", n));
        requireImage("functions_image", functionsImage);
        requireImage("worker_image", workerImage);
        requireImage("worker_gpu_image", workerGpuImage);
    }

    /**
     * The functions Knative Service.
     *
     * @param containerConcurrency hard limit of requests one pod takes at once (0: unlimited)
     * @param target the autoscaler's concurrency target per pod
     * @param maxScale most pods (0: unlimited)
     * @param scaleToZeroRetention how long the last pod stays after traffic stops
     */
    public record Functions(int containerConcurrency, int target, int maxScale, Duration scaleToZeroRetention) {
        public static final Functions DEFAULTS = new Functions(200, 100, 0, Duration.ofMinutes(1));

        public Functions {
            Objects.requireNonNull(scaleToZeroRetention, "scaleToZeroRetention");
            if (containerConcurrency < 0 || containerConcurrency > 1000) {
                throw new IllegalArgumentException(
                        "functions.container_concurrency must be between 0 and 1000, got " + containerConcurrency);
            }
            if (target < 1 || (containerConcurrency > 0 && target > containerConcurrency)) {
                throw new IllegalArgumentException("functions.target must be ≥ 1 and at most container_concurrency");
            }
            if (maxScale < 0) {
                throw new IllegalArgumentException("functions.max_scale must be ≥ 0 (0: unlimited)");
            }
            if (scaleToZeroRetention.isNegative()) {
                throw new IllegalArgumentException("functions.scale_to_zero_retention must be ≥ 0");
            }
        }
    }

    /**
     * The pool Services.
     *
     * @param jvmOptions the worker JVM's options; the class-data archive from {@code warmup prepare}
     *     is added by the renderer
     * @param cpu CPU request of a worker pod (Kubernetes quantity)
     * @param memory memory request and limit of a worker pod
     */
    public record Pool(String jvmOptions, String cpu, String memory) {
        public static final Pool DEFAULTS = new Pool("-Xmx1g", "1", "2Gi");

        public Pool {
            Objects.requireNonNull(jvmOptions, "jvmOptions");
            Objects.requireNonNull(cpu, "cpu");
            Objects.requireNonNull(memory, "memory");
        }
    }

    public DeploymentConfig withNamespace(String value) {
        return new DeploymentConfig(
                Optional.of(value),
                functionsImage,
                workerImage,
                workerGpuImage,
                secretName,
                tenantsSecret,
                functions,
                broker,
                pool);
    }

    public DeploymentConfig withWorkerImage(String value) {
        return new DeploymentConfig(
                namespace, functionsImage, value, workerGpuImage, secretName, tenantsSecret, functions, broker, pool);
    }

    private static void requireLabel(String key, String value) {
        if (value == null || !DNS_LABEL.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    key + " must be a DNS label (lower-case letters, digits, '-'), got '" + value + "'");
        }
    }

    private static void requireImage(String key, String value) {
        if (value == null || value.isBlank() || value.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(key + " must be an image reference, got '" + value + "'");
        }
    }
}
