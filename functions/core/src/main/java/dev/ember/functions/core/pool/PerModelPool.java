package dev.ember.functions.core.pool;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.ModelStatus;
import dev.ember.pool.api.PoolClient;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A pool per model, behind one {@link PoolClient}: {@code POOL_URL} is a template such as {@code
 * http://ember-pool-{model}.ember.svc.cluster.local} and each model's calls go to its own URL (on
 * Knative, its own pool Service). The models are configured, not discovered: listing them must not
 * call every pool, which on Knative would wake each one from zero. A model's readiness in the list
 * is what its last call showed (false until one succeeds).
 */
public final class PerModelPool implements PoolClient {
    public static final String PLACEHOLDER = "{model}";

    private final String template;
    private final List<String> models;
    private final Function<URI, PoolClient> connect;
    private final Map<String, PoolClient> clients = new ConcurrentHashMap<>();
    private final Map<String, Boolean> lastReady = new ConcurrentHashMap<>();

    /**
     * @param template a URL with {@value #PLACEHOLDER} where the model's name goes
     * @param models the models the pools serve
     * @param connect makes the client of one pool
     */
    public PerModelPool(String template, List<String> models, Function<URI, PoolClient> connect) {
        if (!isTemplate(template)) {
            throw new IllegalArgumentException("POOL_URL '" + template + "' has no " + PLACEHOLDER);
        }
        if (models.isEmpty()) {
            throw new IllegalArgumentException("a POOL_URL with " + PLACEHOLDER
                    + " needs the models it routes: set EMBER_POOL_MODELS (comma-separated)");
        }
        this.template = template;
        this.models = List.copyOf(models);
        this.connect = Objects.requireNonNull(connect, "connect");
        for (String m : this.models) {
            uri(m); // a template that makes a bad URL fails at startup, not on the first request
        }
    }

    public static boolean isTemplate(String url) {
        return url != null && url.contains(PLACEHOLDER);
    }

    /** The URL of {@code model}'s pool. */
    public URI uri(String model) {
        URI uri = URI.create(template.replace(PLACEHOLDER, model));
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "POOL_URL '" + template + "' gives '" + uri + "' for model '" + model + "', which has no host");
        }
        return uri;
    }

    private CompletableFuture<PoolClient> pool(String model) {
        if (!models.contains(model)) {
            return CompletableFuture.failedFuture(new InferenceException(
                    InferenceException.Reason.NOT_FOUND, "unknown model '" + model + "'; models: " + models));
        }
        return CompletableFuture.completedFuture(clients.computeIfAbsent(model, m -> connect.apply(uri(m))));
    }

    @Override
    public CompletableFuture<InferenceResponse> infer(String model, String version, InferenceRequest request) {
        return pool(model)
                .thenCompose(p -> p.infer(model, version, request))
                .whenComplete((r, e) -> lastReady.put(model, e == null));
    }

    @Override
    public CompletableFuture<ModelMetadata> metadata(String model, String version) {
        return pool(model).thenCompose(p -> p.metadata(model, version));
    }

    @Override
    public CompletableFuture<Boolean> ready(String model, String version) {
        return pool(model).thenCompose(p -> p.ready(model, version)).whenComplete((r, e) -> {
            if (e == null) {
                lastReady.put(model, r);
            }
        });
    }

    @Override
    public CompletableFuture<List<ModelStatus>> models() {
        List<ModelStatus> out = new ArrayList<>();
        for (String m : models) {
            out.add(new ModelStatus(m, "", lastReady.getOrDefault(m, false)));
        }
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public void close() {
        clients.values().forEach(PoolClient::close);
    }
}
