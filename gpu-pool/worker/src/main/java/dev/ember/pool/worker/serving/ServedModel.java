package dev.ember.pool.worker.serving;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.PriorityClass;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.RequestedOutput;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.TensorMetadata;
import dev.ember.pool.api.config.ModelConfig;
import dev.ember.pool.api.validation.DimensionMultiples;
import dev.ember.pool.api.validation.RequestValidator;
import dev.ember.pool.worker.batching.BatchResult;
import dev.ember.pool.worker.batching.BatchTrace;
import dev.ember.pool.worker.batching.DeadlineScheduler;
import dev.ember.pool.worker.batching.DynamicBatcher;
import dev.ember.pool.worker.batching.Ticker;
import dev.ember.pool.worker.metrics.WorkerMetrics;
import dev.ember.pool.worker.repository.ModelLocation;
import dev.ember.pool.worker.runtime.ModelSession;
import dev.ember.pool.worker.runtime.OptimizedModelCache;
import dev.ember.pool.worker.warmup.ColdStart;
import dev.ember.pool.worker.warmup.ModelWarmup;
import dev.ember.warmup.plan.WarmupPlan;
import dev.ember.warmup.plan.WarmupStep;
import io.micrometer.core.instrument.Meter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** One model version being served: its session, its batcher, its meters. */
public final class ServedModel implements AutoCloseable {
    private static final Duration MAX_TIMEOUT = Duration.ofHours(1);

    private final ModelLocation location;
    private final ModelSession session;
    private final DynamicBatcher batcher;
    private final boolean batched;
    private final WorkerMetrics.ModelMeters meters;
    private final List<Meter.Id> gauges;
    private final ColdStart coldStart;
    private final DimensionMultiples dimensions;
    private volatile boolean retired;

    private ServedModel(
            ModelLocation location,
            ModelSession session,
            DynamicBatcher batcher,
            boolean batched,
            WorkerMetrics.ModelMeters meters,
            List<Meter.Id> gauges,
            ColdStart coldStart,
            DimensionMultiples dimensions) {
        this.gauges = gauges;
        this.dimensions = dimensions;
        this.coldStart = coldStart;
        this.location = location;
        this.session = session;
        this.batcher = batcher;
        this.batched = batched;
        this.meters = meters;
    }

    /**
     * Loads the model, warms it at every batch size it will run, and starts its runners: when this
     * returns, the first request pays nothing a warm model would not.
     */
    public static ServedModel load(
            ModelLocation location,
            DeadlineScheduler deadlines,
            WorkerMetrics metrics,
            Optional<OptimizedModelCache> cache) {
        long start = System.nanoTime();
        ModelConfig config = location.config();
        ModelSession session =
                ModelSession.open(location.name(), location.versionLabel(), location.modelFile(), config, cache);
        boolean batched = config.batching() && session.metadata().batchable();
        List<Integer> padSizes = config.padBatches() ? WarmupPlan.batchSizes(config, batched) : List.<Integer>of();
        boolean perBatchSize = batched
                && !padSizes.isEmpty()
                && session.device().isGpu()
                && config.cuda().sessionPerBatchSize();
        int runs;
        DimensionMultiples dimensions;
        Duration modelLoad;
        long warmStart;
        WarmupPlan plan;
        try {
            if (perBatchSize) {
                session.openPerBatchSize(padSizes, location.modelFile(), config, cache);
            }
            modelLoad = Duration.ofNanos(System.nanoTime() - start);
            warmStart = System.nanoTime();
            dimensions = DimensionMultiples.of(location.name(), config.dimsMultipleOf(), session.metadata());
            plan = WarmupPlan.of(config, session.metadata(), batched, location.modelDirectory());
            // Sessions of their own warm side by side: the first-run work of each shape is mostly the CPU's.
            runs = ModelWarmup.run(location.name(), session, plan, perBatchSize);
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
        WorkerMetrics.ModelMeters meters = metrics.forModel(location.name());
        DynamicBatcher batcher = new DynamicBatcher(
                location.name() + "-" + location.version(),
                location.config(),
                batched,
                session,
                Ticker.SYSTEM,
                deadlines,
                BatchTrace.wrap(location.name(), meters),
                padSizes);
        // Each runner then rehearses the smallest warmed batch along a request's own path.
        if (plan.isEmpty() || runs == 0) {
            batcher.start();
        } else {
            WarmupStep smallest = plan.steps().get(0);
            batcher.start(plan.inputsFor(smallest), smallest.batchSize());
        }
        ColdStart coldStart = new ColdStart(modelLoad, Duration.ofNanos(System.nanoTime() - warmStart), runs);
        metrics.coldStart(ColdStart.PHASE_MODEL_LOAD, coldStart.modelLoad());
        metrics.coldStart(ColdStart.PHASE_WARMUP, coldStart.warmup());
        List<Meter.Id> gauges = new ArrayList<>();
        for (PriorityClass p : PriorityClass.values()) {
            gauges.add(meters.queueDepth(location.versionLabel(), p, () -> batcher.queueDepth(p)));
        }
        return new ServedModel(location, session, batcher, batched, meters, gauges, coldStart, dimensions);
    }

    /** What making this version servable cost. */
    public ColdStart coldStart() {
        return coldStart;
    }

    /** True once a newer version replaced this one: it finishes what it queued and takes nothing new. */
    public boolean retired() {
        return retired;
    }

    /** Stops admission and releases the session once every queued request is answered, in the background. */
    public void retire(Duration drainTimeout) {
        retired = true;
        shutdown();
        Thread closer = new Thread(
                () -> {
                    try {
                        awaitDrained(drainTimeout);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    close();
                },
                "ember-retire-" + location.name() + "-" + location.version());
        closer.setDaemon(true);
        closer.start();
    }

    public String name() {
        return location.name();
    }

    public long version() {
        return location.version();
    }

    public ModelConfig config() {
        return location.config();
    }

    public ModelLocation location() {
        return location;
    }

    /** The signature of this version (its {@code versions} list names only this version). */
    public ModelMetadata metadata() {
        return session.metadata();
    }

    /** True if requests are stacked along dimension 0. */
    public boolean batched() {
        return batched;
    }

    public DynamicBatcher batcher() {
        return batcher;
    }

    public CompletableFuture<InferenceResponse> infer(InferenceRequest request, RequestOptions options) {
        long start = System.nanoTime();
        PriorityClass priority = PriorityClass.REALTIME;
        CompletableFuture<InferenceResponse> response;
        try {
            priority = priority(request, options);
            response = submit(request, priority, timeout(request, options, priority));
        } catch (InferenceException e) {
            response = CompletableFuture.failedFuture(e);
        }
        PriorityClass p = priority;
        return response.whenComplete((r, failure) -> meters.requestDone(p, failure, System.nanoTime() - start));
    }

    private CompletableFuture<InferenceResponse> submit(
            InferenceRequest request, PriorityClass priority, Duration timeout) {
        ModelMetadata metadata = session.metadata();
        RequestValidator.validate(request, metadata, batched);
        dimensions.check(request);
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (TensorMetadata declared : metadata.inputs()) {
            inputs.put(declared.name(), request.input(declared.name()).orElseThrow());
        }
        Set<String> outputs = new LinkedHashSet<>();
        for (RequestedOutput o : request.outputs()) {
            outputs.add(o.name());
        }
        long rows = batched ? inputs.values().iterator().next().shape().dim(0) : 1;
        return batcher.submit(inputs, outputs, rows, priority, timeout)
                .thenApply(result -> response(request, result, outputs));
    }

    private InferenceResponse response(InferenceRequest request, BatchResult result, Set<String> requested) {
        List<Tensor> outputs = new ArrayList<>();
        if (requested.isEmpty()) {
            outputs.addAll(result.outputs().values());
            outputs.sort((a, b) -> Integer.compare(outputIndex(a.name()), outputIndex(b.name())));
        } else {
            for (String name : requested) {
                outputs.add(result.outputs().get(name));
            }
        }
        Parameters parameters = Parameters.EMPTY
                .with(Protocol.QUEUE_MS, result.queueNanos() / 1e6)
                .with(Protocol.COMPUTE_MS, result.computeNanos() / 1e6)
                .with(Protocol.BATCH_SIZE, result.batchRows());
        return new InferenceResponse(location.name(), location.versionLabel(), request.id(), parameters, outputs);
    }

    private int outputIndex(String name) {
        List<TensorMetadata> declared = session.metadata().outputs();
        for (int i = 0; i < declared.size(); i++) {
            if (declared.get(i).name().equals(name)) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    private PriorityClass priority(InferenceRequest request, RequestOptions options) {
        if (options.priority().isPresent()) {
            return options.priority().get();
        }
        return request.parameters()
                .string(Protocol.PRIORITY)
                .map(PriorityClass::fromWire)
                .orElse(location.config().defaultPriority());
    }

    private Duration timeout(InferenceRequest request, RequestOptions options, PriorityClass priority) {
        Duration timeout = options.timeout()
                .or(() -> request.parameters().integer(Protocol.TIMEOUT_MS).map(Duration::ofMillis))
                .orElse(location.config().priority(priority).timeout());
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw InferenceException.badInput(
                    "timeout_ms must be between 1 and " + MAX_TIMEOUT.toMillis() + ", got " + timeout.toMillis());
        }
        return timeout;
    }

    /** Stops admission; queued requests still run. */
    public void shutdown() {
        batcher.shutdown();
    }

    public boolean awaitDrained(Duration timeout) throws InterruptedException {
        return batcher.awaitDrained(timeout);
    }

    @Override
    public void close() {
        batcher.close();
        session.close();
        gauges.forEach(meters::remove);
    }
}
