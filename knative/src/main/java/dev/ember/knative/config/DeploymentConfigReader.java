package dev.ember.knative.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Reads a deployment config (YAML, snake_case keys; all optional):
 *
 * <pre>
 * namespace: ember
 * functions_image: registry.example.com/ember/functions:0.1.0
 * worker_image: registry.example.com/ember/worker:0.1.0
 * worker_gpu_image: registry.example.com/ember/worker-gpu:0.1.0
 * secret_name: ember-secrets          # key redis-url
 * tenants_secret: ember-tenants       # key tenants.yaml; absent: authentication off
 * broker: default                     # "" for no Broker and no Triggers
 * functions: {container_concurrency: 200, target: 100, max_scale: 0, scale_to_zero_retention_seconds: 60}
 * pool: {jvm_options: "-Xmx1g", cpu: "1", memory: 2Gi}
 * </pre>
 *
 * An unknown key is an error naming it (a typo must not silently fall back to a default).
 */
public final class DeploymentConfigReader {
    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private DeploymentConfigReader() {}

    public static DeploymentConfig read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read deployment config " + file + ": " + e.getMessage(), e);
        }
    }

    public static DeploymentConfig parse(String yaml) {
        File f;
        try {
            f = yaml.isBlank() ? new File() : YAML.readValue(yaml, File.class);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException("deployment config: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("deployment config is not YAML: " + e.getMessage(), e);
        }
        return f == null ? DeploymentConfig.DEFAULTS : f.toConfig();
    }

    /** The file as written; nulls take the defaults. */
    static final class File {
        public String namespace;

        @JsonProperty("functions_image")
        public String functionsImage;

        @JsonProperty("worker_image")
        public String workerImage;

        @JsonProperty("worker_gpu_image")
        public String workerGpuImage;

        @JsonProperty("secret_name")
        public String secretName;

        @JsonProperty("tenants_secret")
        public String tenantsSecret;

        public String broker;
        public FunctionsFile functions;
        public PoolFile pool;

        DeploymentConfig toConfig() {
            DeploymentConfig d = DeploymentConfig.DEFAULTS;
            return new DeploymentConfig(
                    Optional.ofNullable(namespace),
                    or(functionsImage, d.functionsImage()),
                    or(workerImage, d.workerImage()),
                    or(workerGpuImage, d.workerGpuImage()),
                    or(secretName, d.secretName()),
                    Optional.ofNullable(tenantsSecret),
                    functions == null ? d.functions() : functions.toFunctions(),
                    broker == null ? d.broker() : Optional.of(broker).filter(b -> !b.isEmpty()),
                    pool == null ? d.pool() : pool.toPool());
        }
    }

    static final class FunctionsFile {
        @JsonProperty("container_concurrency")
        public Integer containerConcurrency;

        public Integer target;

        @JsonProperty("max_scale")
        public Integer maxScale;

        @JsonProperty("scale_to_zero_retention_seconds")
        public Long retentionSeconds;

        DeploymentConfig.Functions toFunctions() {
            DeploymentConfig.Functions d = DeploymentConfig.Functions.DEFAULTS;
            return new DeploymentConfig.Functions(
                    or(containerConcurrency, d.containerConcurrency()),
                    or(target, d.target()),
                    or(maxScale, d.maxScale()),
                    retentionSeconds == null ? d.scaleToZeroRetention() : Duration.ofSeconds(retentionSeconds));
        }
    }

    static final class PoolFile {
        @JsonProperty("jvm_options")
        public String jvmOptions;

        public String cpu;
        public String memory;

        DeploymentConfig.Pool toPool() {
            DeploymentConfig.Pool d = DeploymentConfig.Pool.DEFAULTS;
            return new DeploymentConfig.Pool(or(jvmOptions, d.jvmOptions()), or(cpu, d.cpu()), or(memory, d.memory()));
        }
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
