package dev.ember.functions.core;

import dev.ember.pool.api.DataType;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.ModelStatus;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.PoolClient;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.TensorMetadata;
import dev.ember.pool.api.config.CachePolicy;
import dev.ember.pool.api.config.ModelPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A pool of "doubler" models: input {@code x} FP32 [-1, 2] → output {@code y} = 2x. A model can be
 * told to fail, or to hold its answers until released, and every call is counted.
 */
public final class FakePool implements PoolClient {
    private final Map<String, ModelPolicy> models = new ConcurrentHashMap<>();
    private final Map<String, Supplier<InferenceException>> failures = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final List<InferenceRequest> received = new ArrayList<>();
    private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

    public FakePool model(String name, ModelPolicy policy) {
        models.put(name, policy);
        return this;
    }

    public FakePool model(String name) {
        return model(name, new ModelPolicy(true, CachePolicy.DEFAULT, null, 8));
    }

    public void failWith(String model, Supplier<InferenceException> failure) {
        failures.put(model, failure);
    }

    public void heal(String model) {
        failures.remove(model);
    }

    /** Answers wait until the returned future is completed. */
    public CompletableFuture<Void> hold() {
        gate = new CompletableFuture<>();
        return gate;
    }

    public int calls(String model) {
        return calls.computeIfAbsent(model, m -> new AtomicInteger()).get();
    }

    public synchronized List<InferenceRequest> received() {
        return List.copyOf(received);
    }

    @Override
    public CompletableFuture<InferenceResponse> infer(String model, String version, InferenceRequest request) {
        calls.computeIfAbsent(model, m -> new AtomicInteger()).incrementAndGet();
        synchronized (this) {
            received.add(request);
        }
        if (!models.containsKey(model)) {
            return CompletableFuture.failedFuture(InferenceException.notFound("unknown model '" + model + "'"));
        }
        Supplier<InferenceException> failure = failures.get(model);
        if (failure != null) {
            return CompletableFuture.failedFuture(failure.get());
        }
        return gate.thenApply(v -> {
            Tensor x = request.input("x").orElseThrow();
            float[] values = x.toFloats();
            for (int i = 0; i < values.length; i++) {
                values[i] *= 2;
            }
            Tensor y = Tensor.ofFloats("y", x.shape().toArray(), values);
            return new InferenceResponse(
                    model,
                    "1",
                    request.id(),
                    Parameters.of(Protocol.QUEUE_MS, 0.5).with(Protocol.COMPUTE_MS, 1.5),
                    List.of(y));
        });
    }

    @Override
    public CompletableFuture<ModelMetadata> metadata(String model, String version) {
        ModelPolicy policy = models.get(model);
        if (policy == null) {
            return CompletableFuture.failedFuture(InferenceException.notFound("unknown model '" + model + "'"));
        }
        return CompletableFuture.completedFuture(new ModelMetadata(
                model,
                List.of("1"),
                ModelMetadata.PLATFORM,
                List.of(new TensorMetadata("x", DataType.FP32, Shape.of(-1, 2))),
                List.of(new TensorMetadata("y", DataType.FP32, Shape.of(-1, 2))),
                policy.toParameters()));
    }

    @Override
    public CompletableFuture<Boolean> ready(String model, String version) {
        return CompletableFuture.completedFuture(models.containsKey(model));
    }

    @Override
    public CompletableFuture<List<ModelStatus>> models() {
        List<ModelStatus> out = new ArrayList<>();
        models.keySet().forEach(m -> out.add(new ModelStatus(m, "1", true)));
        return CompletableFuture.completedFuture(out);
    }

    public static InferenceRequest request(float... pairs) {
        return InferenceRequest.of(Tensor.ofFloats("x", new long[] {pairs.length / 2, 2}, pairs));
    }

    public static CachePolicy cache(Duration ttl, Duration stale) {
        return new CachePolicy(true, ttl, stale, 1 << 20);
    }
}
