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
import dev.ember.pool.worker.runtime.OptimizedModelCache;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * The worker without its HTTP edge: the models it serves, routing by name and version (with an
 * optional canary split), readiness, zero-downtime version changes, and graceful drain. Usable as
 * a library.
 *
 * <p>Loading a model ({@link #loadModel}) loads and warms its new versions beside the ones serving,
 * then publishes the new set in one write; versions no longer served are retired: they finish what
 * they queued, take nothing new, and release their session. A request that raced the switch and
 * reached a retired version is re-routed once, so a version change fails no request.
 */
public final class InferenceService implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(InferenceService.class.getName());

    /** Lifecycle: ready once started; draining refuses new work but finishes queued work. */
    public enum State {
        LOADING,
        READY,
        DRAINING,
        STOPPED
    }

    private final ModelRepository repository;
    private final WorkerMetrics metrics;
    private final Optional<OptimizedModelCache> cache;
    private final Duration retireDrain;
    private final DeadlineScheduler deadlines = DeadlineScheduler.system();
    private volatile Map<String, ModelEntry> models = Map.of();
    private volatile State state = State.LOADING;

    public InferenceService(ModelRepository repository, WorkerMetrics metrics) {
        this(repository, metrics, Optional.empty(), Duration.ofSeconds(30));
    }

    public InferenceService(
            ModelRepository repository,
            WorkerMetrics metrics,
            Optional<OptimizedModelCache> cache,
            Duration retireDrain) {
        this.repository = repository;
        this.metrics = metrics;
        this.cache = cache;
        this.retireDrain = retireDrain;
    }

    /** Loads every model of the repository; the service is ready when this returns. */
    public InferenceService load() {
        List<String> names =
                repository.scan().stream().map(ModelLocation::name).distinct().toList();
        try {
            for (String name : names) {
                loadModel(name);
            }
        } catch (RuntimeException e) {
            closeAll();
            throw e;
        }
        state = State.READY;
        return this;
    }

    /**
     * Exercises the load path on a built-in model, on {@code device}, so a spare's first real load
     * runs warm code (and on a GPU, finds CUDA set up).
     */
    public Duration practice(dev.ember.pool.api.config.Device device) {
        return dev.ember.pool.worker.warmup.SparePractice.run(deadlines, device);
    }

    /**
     * Serves the built-in practice model of {@link dev.ember.pool.worker.warmup.HttpPractice} on
     * {@code device} until the returned handle is closed, with meters of its own (a spare's practice
     * leaves nothing in its metrics or its index).
     */
    public AutoCloseable servePractice(dev.ember.pool.api.config.Device device) {
        var practice = dev.ember.pool.worker.warmup.SparePractice.httpModel(device);
        ServedModel served = ServedModel.load(practice.location(), deadlines, new WorkerMetrics(), Optional.empty());
        String name = practice.location().name();
        publish(name, new ModelEntry(new TreeMap<>(Map.of(served.version(), served)), null, 0));
        return () -> {
            unloadModel(name);
            practice.close();
        };
    }

    /** Ready with no models: a spare runtime, waiting for {@link #loadModel}. */
    public InferenceService startEmpty() {
        state = State.READY;
        return this;
    }

    /**
     * Loads (or refreshes) a model from the repository as it is on disk now: new versions are
     * loaded and warmed beside the serving ones, then switched to atomically. With the model's
     * {@code canary_percent} set and an older version serving, the newest version becomes a
     * canary until {@link #promote}.
     */
    public LoadReport loadModel(String name) {
        return loadModel(name, false);
    }

    /**
     * As {@link #loadModel(String)}; with {@code stage}, a new version is loaded and warmed but
     * takes no unversioned traffic (it answers only requests that name it) until {@link #promote} —
     * time for a gateway to warm its cache against it first.
     */
    public LoadReport loadModel(String name, boolean stage) {
        return loadModel(name, stage, Long.MAX_VALUE);
    }

    /**
     * As {@link #loadModel(String, boolean)}, leaving out versions newer than {@code upToVersion}:
     * a controller starting a worker asks for the version it has seen load, so a newer one that
     * does not (say, copied in half-written) cannot keep the model from scaling.
     */
    public synchronized LoadReport loadModel(String name, boolean stage, long upToVersion) {
        ModelRepository.requireValidName(name);
        List<ModelLocation> wanted = repository
                .scan(name, upToVersion)
                .orElseThrow(() -> InferenceException.notFound("no model '" + name + "'"
                        + (upToVersion == Long.MAX_VALUE ? "" : " at version " + upToVersion + " or below")
                        + " in " + repository.root()));
        ModelEntry current = models.get(name);
        NavigableMap<Long, ServedModel> next = new TreeMap<>();
        Map<String, dev.ember.pool.worker.warmup.ColdStart> loaded = new LinkedHashMap<>();
        List<ServedModel> fresh = new ArrayList<>();
        try {
            for (ModelLocation location : wanted) {
                ServedModel existing =
                        current == null ? null : current.versions().get(location.version());
                if (existing != null && !existing.retired()) {
                    next.put(location.version(), existing);
                } else {
                    ServedModel model = ServedModel.load(location, deadlines, metrics, cache);
                    fresh.add(model);
                    next.put(location.version(), model);
                    loaded.put(location.versionLabel(), model.coldStart());
                    LOG.log(
                            System.Logger.Level.INFO,
                            "loaded {0} version {1}: session {2} ms, warmup {3} ms ({4} runs, {5})",
                            name,
                            location.version(),
                            model.coldStart().modelLoad().toMillis(),
                            model.coldStart().warmup().toMillis(),
                            model.coldStart().warmupRuns(),
                            model.batched()
                                    ? "batching up to " + location.config().maxBatchSize() + " rows"
                                    : "unbatched");
                }
            }
        } catch (RuntimeException e) {
            fresh.forEach(ServedModel::close);
            throw e;
        }
        Long canary = null;
        int percent = stage ? 0 : wanted.get(wanted.size() - 1).config().canaryPercent();
        if (current != null && (percent > 0 || stage) && !fresh.isEmpty()) {
            // Keep the newest current version serving beside the new one until promoted.
            long newest = next.lastKey();
            ServedModel stable = current.stable();
            if (stable.version() < newest) {
                next.put(stable.version(), stable);
                canary = newest;
            }
        } else if (current != null && current.canary() != null && next.containsKey(current.canary())) {
            canary = current.canary();
            next.put(current.stable().version(), current.stable());
        }
        publish(name, new ModelEntry(next, canary, percent));
        List<String> retired = retireAbsent(current, next);
        return new LoadReport(name, loaded, retired, canary == null ? null : Long.toString(canary));
    }

    /** Ends a canary: the canary version takes all traffic, the version it was tested against retires. */
    public synchronized void promote(String name) {
        ModelEntry current = entry(name);
        if (current.canary() == null) {
            throw InferenceException.badInput("model '" + name + "' has no canary to promote");
        }
        NavigableMap<Long, ServedModel> next = new TreeMap<>(current.versions().tailMap(current.canary(), true));
        publish(name, new ModelEntry(next, null, 0));
        retireAbsent(current, next);
    }

    /** Stops serving a model: queued requests finish, new ones get 404. */
    public synchronized void unloadModel(String name) {
        ModelEntry current = entry(name);
        Map<String, ModelEntry> copy = new LinkedHashMap<>(models);
        copy.remove(name);
        models = Collections.unmodifiableMap(copy);
        current.versions().values().forEach(m -> m.retire(retireDrain));
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
            ServedModel served = resolve(model, version);
            return served.infer(request, options).exceptionallyCompose(e -> {
                // Raced a version switch: the version retired between routing and admission.
                if (served.retired() && state == State.READY && isUnavailable(e)) {
                    return resolve(model, version).infer(request, options);
                }
                return CompletableFuture.failedFuture(e);
            });
        } catch (InferenceException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The model version's signature, listing every version served, with its serving policy. */
    public ModelMetadata metadata(String model, String version) {
        ServedModel served = resolve(model, version);
        ModelMetadata m = served.metadata();
        List<String> versions =
                entry(model).versions().keySet().stream().map(String::valueOf).toList();
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
        models.forEach((name, entry) ->
                entry.versions().keySet().forEach(v -> out.add(new ModelStatus(name, String.valueOf(v), ready()))));
        return out;
    }

    /** The served version ({@code version} null: the stable one, or the canary for its share). */
    public ServedModel resolve(String model, String version) {
        ModelEntry entry = entry(model);
        if (version == null) {
            return entry.route();
        }
        ServedModel served = null;
        try {
            served = entry.versions().get(Long.parseLong(version));
        } catch (NumberFormatException e) {
            // not a version number: reported below
        }
        if (served == null) {
            throw InferenceException.notFound("model '" + model + "' has no version '" + version + "'; served: "
                    + entry.versions().keySet().stream().map(String::valueOf).collect(Collectors.joining(", ")));
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
        closeAll();
        deadlines.close();
    }

    private ModelEntry entry(String model) {
        ModelEntry entry = models.get(model);
        if (entry == null) {
            throw InferenceException.notFound("unknown model '" + model + "'; this worker serves "
                    + (models.isEmpty() ? "no models" : String.join(", ", models.keySet())));
        }
        return entry;
    }

    private void publish(String name, ModelEntry entry) {
        Map<String, ModelEntry> copy = new TreeMap<>(models);
        copy.put(name, entry);
        models = Collections.unmodifiableMap(copy);
    }

    private List<String> retireAbsent(ModelEntry previous, NavigableMap<Long, ServedModel> now) {
        List<String> retired = new ArrayList<>();
        if (previous == null) {
            return retired;
        }
        for (ServedModel m : previous.versions().values()) {
            if (now.get(m.version()) != m) {
                m.retire(retireDrain);
                retired.add(Long.toString(m.version()));
                LOG.log(System.Logger.Level.INFO, "retired {0} version {1}", m.name(), m.version());
            }
        }
        return retired;
    }

    private static boolean isUnavailable(Throwable e) {
        return InferenceException.find(e)
                .map(f -> f.reason() == InferenceException.Reason.UNAVAILABLE)
                .orElse(false);
    }

    private void closeAll() {
        all().forEach(ServedModel::close);
    }

    private List<ServedModel> all() {
        List<ServedModel> all = new ArrayList<>();
        models.values().forEach(e -> all.addAll(e.versions().values()));
        return all;
    }
}
