package dev.ember.functions.lambda.pool;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.ModelStatus;
import dev.ember.pool.api.PoolClient;
import dev.ember.pool.worker.metrics.WorkerMetrics;
import dev.ember.pool.worker.repository.ModelRepository;
import dev.ember.pool.worker.serving.InferenceService;
import dev.ember.pool.worker.serving.RequestOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The pool inside the function's own JVM: the worker's {@link InferenceService} (sessions, dynamic
 * batcher, priority admission, deadlines) used as a library, without its HTTP edge. For small CPU
 * models shipped in the deployment package. Building one loads and warms every model of the
 * repository, so it belongs in the function's init phase, not in its first request.
 *
 * <p>Priority and deadline travel in the request's parameters, as they do to a remote worker; the
 * service reads them there.
 */
public final class InProcessPool implements PoolClient {
    private final InferenceService service;

    private InProcessPool(InferenceService service) {
        this.service = service;
    }

    /** Loads and warms every model under {@code repository}; fails if one cannot be loaded. */
    public static InProcessPool load(Path repository) {
        InferenceService service = new InferenceService(
                new ModelRepository(repository), new WorkerMetrics(), Optional.empty(), Duration.ofSeconds(10));
        return new InProcessPool(service.load());
    }

    /** The service behind this pool (its models' configs and sessions). */
    public InferenceService service() {
        return service;
    }

    @Override
    public CompletableFuture<InferenceResponse> infer(String model, String version, InferenceRequest request) {
        return service.infer(model, version, request, RequestOptions.NONE);
    }

    @Override
    public CompletableFuture<ModelMetadata> metadata(String model, String version) {
        return now(() -> service.metadata(model, version));
    }

    @Override
    public CompletableFuture<Boolean> ready(String model, String version) {
        return now(() -> service.modelReady(model, version));
    }

    @Override
    public CompletableFuture<List<ModelStatus>> models() {
        return now(service::index);
    }

    /** Finishes what is queued, then frees the sessions. */
    @Override
    public void close() {
        service.close();
    }

    /** The contract is a failed future, not a throw: an unknown model is a NOT_FOUND future. */
    private static <T> CompletableFuture<T> now(Supplier<T> answer) {
        try {
            return CompletableFuture.completedFuture(answer.get());
        } catch (InferenceException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
