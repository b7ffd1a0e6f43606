package dev.ember.pool.worker.serving;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.ModelStatus;
import dev.ember.pool.api.config.ModelPolicy;
import dev.ember.pool.worker.batching.DeadlineScheduler;
import dev.ember.pool.worker.metrics.WorkerMetrics;
import dev.ember.pool.worker.repository.ModelLocation;
import dev.ember.pool.worker.repository.ModelRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * The worker without its HTTP edge: the models it serves, routing by name and version, readiness,
 * and graceful drain. Usable as a library (tests, an in-process pool).
 */
public final class InferenceService implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(InferenceService.class.getName());

    /** Lifecycle: ready after every model is loaded; draining refuses new work but finishes queued work. */
    public enum State {
        LOADING,
        READY,
        DRAINING,
        STOPPED
    }

    private final ModelRepository repository;
    private final WorkerMetrics metrics;
    private final DeadlineScheduler deadlines = DeadlineScheduler.system();
    private volatile Map<String, NavigableMap<Long, ServedModel>> models = Map.of();
    private volatile State state = State.LOADING;

    public InferenceService(ModelRepository repository, WorkerMetrics metrics) {
        this.repository = repository;
        this.metrics = metrics;
    }

    /** Loads every model of the repository; the service is ready when this returns. */
    public InferenceService load() {
        Map<String, NavigableMap<Long, ServedModel>> loaded = new TreeMap<>();
        List<ModelLocation> locations = repository.scan();
        try {
            for (ModelLocation location : locations) {
                long start = System.nanoTime();
                ServedModel model = ServedModel.load(location, deadlines, metrics);
                loaded.computeIfAbsent(location.name(), n -> new TreeMap<>()).put(location.version(), model);
                LOG.log(
                        System.Logger.Level.INFO,
                        "loaded {0} version {1} in {2} ms ({3})",
                        location.name(),
                        location.version(),
                        (System.nanoTime() - start) / 1_000_000,
                        model.batched() ? "batching up to " + location.config().maxBatchSize() + " rows" : "unbatched");
            }
        } catch (RuntimeException e) {
            loaded.values().forEach(versions -> versions.values().forEach(ServedModel::close));
            throw e;
        }
        models = Collections.unmodifiableMap(loaded);
        state = State.READY;
        return this;
    }

    public State state() {
        return state;
    }

    public boolean ready() {
        return state == State.READY;
    }

    public CompletableFuture<InferenceResponse> infer(
            String model, String version, InferenceRequest request, RequestOptions options) {
        try {
            if (state != State.READY) {
                throw InferenceException.unavailable(
                        state == State.LOADING ? "worker is still loading models" : "worker is shutting down");
            }
            return resolve(model, version).infer(request, options);
        } catch (InferenceException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The model version's signature, listing every version of the model that is served. */
    public ModelMetadata metadata(String model, String version) {
        ServedModel served = resolve(model, version);
        ModelMetadata m = served.metadata();
        List<String> versions =
                models.get(model).keySet().stream().map(String::valueOf).toList();
        return new ModelMetadata(
                m.name(),
                versions,
                m.platform(),
                m.inputs(),
                m.outputs(),
                ModelPolicy.of(served.config(), served.batched()).toParameters());
    }

    /** True if the model version is loaded and the worker takes requests. */
    public boolean modelReady(String model, String version) {
        resolve(model, version);
        return ready();
    }

    public List<ModelStatus> index() {
        List<ModelStatus> out = new ArrayList<>();
        models.forEach((name, versions) ->
                versions.keySet().forEach(v -> out.add(new ModelStatus(name, String.valueOf(v), ready()))));
        return out;
    }

    /** The served version ({@code version} null: the latest), or NOT_FOUND saying what exists. */
    public ServedModel resolve(String model, String version) {
        NavigableMap<Long, ServedModel> versions = models.get(model);
        if (versions == null) {
            throw InferenceException.notFound("unknown model '" + model + "'; this worker serves "
                    + (models.isEmpty() ? "no models" : String.join(", ", models.keySet())));
        }
        if (version == null) {
            return versions.lastEntry().getValue();
        }
        ServedModel served = null;
        try {
            served = versions.get(Long.parseLong(version));
        } catch (NumberFormatException e) {
            // not a version number: reported below
        }
        if (served == null) {
            throw InferenceException.notFound("model '" + model + "' has no version '" + version + "'; served: "
                    + versions.keySet().stream().map(String::valueOf).collect(Collectors.joining(", ")));
        }
        return served;
    }

    /**
     * Refuses new requests, lets every queued one finish, and returns true if all did within
     * {@code timeout}.
     */
    public boolean drain(Duration timeout) throws InterruptedException {
        state = State.DRAINING;
        List<ServedModel> all = all();
        all.forEach(ServedModel::shutdown);
        Instant deadline = Instant.now().plus(timeout);
        boolean drained = true;
        for (ServedModel m : all) {
            Duration left = Duration.between(Instant.now(), deadline);
            drained &= m.awaitDrained(left.isNegative() ? Duration.ZERO : left);
        }
        return drained;
    }

    @Override
    public void close() {
        try {
            if (state == State.READY || state == State.LOADING) {
                drain(Duration.ofSeconds(30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        state = State.STOPPED;
        all().forEach(ServedModel::close);
        deadlines.close();
    }

    private List<ServedModel> all() {
        List<ServedModel> all = new ArrayList<>();
        models.values().forEach(v -> all.addAll(v.values()));
        return all;
    }
}
