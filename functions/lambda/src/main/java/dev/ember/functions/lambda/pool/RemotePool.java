package dev.ember.functions.lambda.pool;

import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.ModelStatus;
import dev.ember.pool.api.PoolClient;
import dev.ember.pool.api.http.HttpPoolClient;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A remote pool (the GPU pool on Knative, or any v2 endpoint) through {@link HttpPoolClient}, whose
 * kept-alive connections can be dropped before a snapshot: a TCP connection frozen in a SnapStart
 * image is dead in every copy restored from it, and a request sent on it would wait for an answer
 * that cannot come. Dropping swaps in a fresh client on the same Vert.x instance; its connections
 * open with the first request after the restore.
 */
public final class RemotePool implements PoolClient {
    private final URI uri;
    private final HttpPoolClient.Options options;
    private final Vertx vertx;
    private volatile HttpPoolClient client;

    public RemotePool(URI uri, HttpPoolClient.Options options) {
        this.uri = uri;
        this.options = options;
        // One event loop: a Lambda instance serves one request at a time.
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        this.client = new HttpPoolClient(vertx, uri, options);
    }

    public URI uri() {
        return uri;
    }

    /** Closes every pooled connection; the next call opens new ones. */
    public void dropConnections() {
        HttpPoolClient old = client;
        client = new HttpPoolClient(vertx, uri, options);
        old.close();
    }

    @Override
    public CompletableFuture<InferenceResponse> infer(String model, String version, InferenceRequest request) {
        return client.infer(model, version, request);
    }

    @Override
    public CompletableFuture<ModelMetadata> metadata(String model, String version) {
        return client.metadata(model, version);
    }

    @Override
    public CompletableFuture<Boolean> ready(String model, String version) {
        return client.ready(model, version);
    }

    @Override
    public CompletableFuture<List<ModelStatus>> models() {
        return client.models();
    }

    @Override
    public void close() {
        client.close();
        vertx.close();
    }
}
