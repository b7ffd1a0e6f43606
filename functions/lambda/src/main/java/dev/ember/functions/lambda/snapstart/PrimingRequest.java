package dev.ember.functions.lambda.snapstart;

import dev.ember.functions.lambda.LambdaGateway;
import dev.ember.functions.lambda.pool.InProcessPool;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.ModelStatus;
import dev.ember.pool.api.PoolClient;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.config.ModelPolicy;
import dev.ember.pool.api.config.WarmupPolicy;
import dev.ember.pool.worker.serving.ServedModel;
import dev.ember.warmup.plan.WarmupInputs;
import dev.ember.warmup.plan.WarmupPlan;
import dev.ember.warmup.plan.WarmupStep;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One request run before a SnapStart snapshot: a model and a one-row input for it. The input is
 * the one the model's {@link WarmupPlan} starts with (its {@code warmup.sample_inputs}, or synthetic
 * tensors shaped by {@code warmup.shapes}) for a model served in-process; for a remote pool,
 * synthetic tensors built from the signature the pool reports.
 */
public record PrimingRequest(String model, InferenceRequest request) {
    private static final System.Logger LOG = System.getLogger(PrimingRequest.class.getName());

    public PrimingRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(request, "request");
    }

    /** The requests for the models {@code gateway} is set to prime (all the pool serves, by default). */
    public static List<PrimingRequest> of(LambdaGateway gateway, Duration timeout) {
        List<String> wanted = gateway.settings().primeModels();
        List<PrimingRequest> out = new ArrayList<>();
        if (gateway.pool() instanceof InProcessPool local) {
            for (String model : wanted.isEmpty() ? names(local.service().index()) : wanted) {
                out.add(new PrimingRequest(
                        model, request(firstStepInputs(local.service().resolve(model, null)))));
            }
            return out;
        }
        PoolClient pool = gateway.pool();
        for (String model : wanted.isEmpty() ? names(await(pool.models(), timeout)) : wanted) {
            try {
                ModelMetadata metadata = await(pool.metadata(model, null), timeout);
                boolean batched = ModelPolicy.from(metadata.parameters()).maxBatchSize() > 0;
                WarmupStep one = WarmupPlan.syntheticStep(metadata, WarmupPolicy.DEFAULT, 1, batched);
                out.add(new PrimingRequest(
                        model, request(WarmupInputs.synthetic(metadata).forStep(one))));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "not priming {0}: {1}", model, e.getMessage());
            }
        }
        return out;
    }

    private static Map<String, Tensor> firstStepInputs(ServedModel served) {
        WarmupPlan plan = WarmupPlan.of(
                served.config(),
                served.metadata(),
                served.batched(),
                served.location().modelDirectory());
        if (plan.isEmpty()) { // warmup switched off in config.yaml: priming still runs the model once
            WarmupStep one =
                    WarmupPlan.syntheticStep(served.metadata(), served.config().warmup(), 1, served.batched());
            return WarmupInputs.synthetic(served.metadata()).forStep(one);
        }
        return plan.inputsFor(plan.steps().get(0)); // the smallest batch: one row, as a request sends
    }

    private static List<String> names(List<ModelStatus> models) {
        return models.stream()
                .filter(ModelStatus::ready)
                .map(ModelStatus::name)
                .distinct()
                .toList();
    }

    private static InferenceRequest request(Map<String, Tensor> inputs) {
        return InferenceRequest.of(inputs.values().toArray(Tensor[]::new));
    }

    private static <T> T await(CompletableFuture<T> f, Duration timeout) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer from the pool within " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
