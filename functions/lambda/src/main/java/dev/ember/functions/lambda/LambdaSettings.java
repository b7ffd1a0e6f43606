package dev.ember.functions.lambda;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a Lambda function instance is configured with, from its environment (see {@code
 * application.properties} for the variable names). Exactly one pool target: a remote pool's v2
 * endpoint ({@code POOL_URL}) or a model repository shipped in the deployment package and served
 * in-process ({@code EMBER_MODELS}).
 *
 * @param poolUrl a remote pool's v2 endpoint
 * @param models a model repository to serve in this JVM
 * @param redisUrl the shared cache, fill locks and rate limits; absent: in-process ones (per instance)
 * @param redisTimeout the longest a Redis command may take before the request goes on without it
 * @param keyPrefix prefix of every Redis key written
 * @param tenantsFile tenants, plans and hashed API keys; absent: authentication off
 * @param maxElements largest number of tensor elements in one request
 * @param primeModels the models primed before a SnapStart snapshot; empty: every model the pool serves
 * @param primingApiKey the key priming requests present when authentication is on
 */
public record LambdaSettings(
        Optional<URI> poolUrl,
        Optional<Path> models,
        Optional<String> redisUrl,
        Duration redisTimeout,
        String keyPrefix,
        Optional<Path> tenantsFile,
        long maxElements,
        List<String> primeModels,
        Optional<String> primingApiKey) {

    public LambdaSettings {
        Objects.requireNonNull(redisTimeout, "redisTimeout");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        primeModels = List.copyOf(primeModels);
        if (poolUrl.isPresent() == models.isPresent()) {
            throw new IllegalArgumentException(
                    poolUrl.isPresent()
                            ? "both POOL_URL and EMBER_MODELS are set: pick one pool (a remote pool, or models served in the function)"
                            : "no pool: set POOL_URL (a remote pool's v2 endpoint) or EMBER_MODELS (a model repository in the deployment package)");
        }
        poolUrl.ifPresent(LambdaSettings::requireHttp);
        models.ifPresent(dir -> {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("EMBER_MODELS " + dir + " is not a directory");
            }
        });
        tenantsFile.ifPresent(file -> {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("EMBER_TENANTS_FILE " + file + " is not a file");
            }
        });
        redisUrl.ifPresent(url -> {
            if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
                throw new IllegalArgumentException("REDIS_URL '" + url + "' is not a redis:// or rediss:// URL");
            }
        });
        if (redisTimeout.isNegative() || redisTimeout.isZero()) {
            throw new IllegalArgumentException("the Redis timeout must be positive");
        }
        if (maxElements < 1) {
            throw new IllegalArgumentException("max elements must be ≥ 1");
        }
    }

    /** Blank strings are absent: an environment variable set to nothing is not set. */
    static Optional<String> present(String value) {
        return Optional.ofNullable(value).map(String::trim).filter(v -> !v.isEmpty());
    }

    static List<String> list(String commaSeparated) {
        return present(commaSeparated).stream()
                .flatMap(v -> List.of(v.split(",")).stream())
                .map(String::trim)
                .filter(v -> !v.isEmpty())
                .toList();
    }

    static Optional<URI> uri(String value) {
        try {
            return present(value).map(URI::create);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("POOL_URL '" + value + "' is not a URL: " + e.getMessage(), e);
        }
    }

    private static void requireHttp(URI uri) {
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new IllegalArgumentException("POOL_URL '" + uri + "' is not an http(s) URL with a host");
        }
    }
}
