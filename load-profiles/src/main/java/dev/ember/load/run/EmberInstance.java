package dev.ember.load.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ember.pool.api.config.ModelConfigException;
import dev.ember.pool.api.config.ModelConfigReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * An Ember of the runner's own: {@code bin/ember up} on a free port, over a copy of {@code models/}
 * whose config.yaml files have the run's settings merged in, with the run's environment (a fresh
 * Redis key prefix, so no earlier run's answers are in its cache). Closing it stops Ember (the
 * launcher's SIGTERM trap stops the app, which drains and stops its workers), deletes the copy and
 * the keys under its prefix.
 */
public final class EmberInstance implements AutoCloseable {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Process process;
    private final URI uri;
    private final URI metrics;
    private final MetricsSource metricsSource;
    private final Path models;
    private final Path log;
    private final Map<String, String> environment;
    private final java.util.Set<String> asked = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private EmberInstance(
            Process process, URI uri, URI metrics, Path models, Path log, Map<String, String> environment) {
        this.process = process;
        this.environment = Map.copyOf(environment);
        this.uri = uri;
        this.metrics = metrics;
        this.metricsSource = new MetricsSource(java.util.List.of(metrics));
        this.models = models;
        this.log = log;
    }

    /**
     * Starts {@code launcher up} over {@code sourceModels} with {@code overrides} (model name →
     * config.yaml keys) merged in and {@code environment} added; its output goes to {@code log}.
     */
    public static EmberInstance start(
            Path launcher,
            Path sourceModels,
            Map<String, Map<String, Object>> overrides,
            Map<String, String> environment,
            Path log,
            Duration timeout) {
        try {
            Path models = copyModels(sourceModels, overrides);
            int port = freePort();
            // Health and metrics are on the management interface: a free port of its own too.
            int management = freePort();
            ProcessBuilder pb = new ProcessBuilder(
                            launcher.toString(),
                            "up",
                            "--port",
                            Integer.toString(port),
                            "--management-port",
                            Integer.toString(management))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().putAll(environment);
            pb.environment().put("EMBER_MODELS", models.toString());
            EmberInstance e = new EmberInstance(
                    pb.start(),
                    URI.create("http://127.0.0.1:" + port),
                    URI.create("http://127.0.0.1:" + management + "/q/metrics"),
                    models,
                    log,
                    environment);
            try {
                e.awaitReady(timeout);
                e.awaitSpares(Integer.parseInt(environment.getOrDefault("EMBER_POOL_LOCAL_SPARES", "1")), timeout);
            } catch (RuntimeException failed) {
                e.close();
                throw failed;
            }
            return e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI uri() {
        return uri;
    }

    /** The functions' Prometheus metrics, on the management port. */
    public URI metricsUri() {
        return metrics;
    }

    public Path log() {
        return log;
    }

    /** True the first time it is called for {@code model}: no request has been sent to it yet. */
    public boolean firstRequestTo(String model) {
        return asked.add(model);
    }

    /** The environment it was started with (beyond the launcher's own). */
    public Map<String, String> environment() {
        return environment;
    }

    /**
     * A copy of the repository: each model folder (those holding a version folder), its
     * config.yaml with {@code overrides} merged in, checked as the worker will read it.
     */
    static Path copyModels(Path source, Map<String, Map<String, Object>> overrides) throws IOException {
        for (String model : overrides.keySet()) {
            if (!Files.isDirectory(source.resolve(model))) {
                throw new IllegalArgumentException("deployment.models." + model + ": no such model in " + source);
            }
        }
        Path target = Files.createTempDirectory("ember-load-models");
        try (Stream<Path> dirs = Files.list(source)) {
            for (Path dir : dirs.filter(EmberInstance::isModel).toList()) {
                Path to = target.resolve(dir.getFileName().toString());
                copyTree(dir, to);
                Map<String, Object> o = overrides.get(dir.getFileName().toString());
                if (o != null) {
                    Path config = to.resolve("config.yaml");
                    JsonNode base = Files.isRegularFile(config) ? YAML.readTree(config.toFile()) : null;
                    ObjectNode merged = base instanceof ObjectNode obj ? obj : YAML.createObjectNode();
                    merge(merged, YAML.valueToTree(o));
                    String yaml = YAML.writeValueAsString(merged);
                    try {
                        ModelConfigReader.parse(yaml);
                    } catch (ModelConfigException e) {
                        throw new IllegalArgumentException(
                                "deployment.models." + dir.getFileName() + ": " + e.getMessage(), e);
                    }
                    Files.writeString(config, yaml);
                }
            }
        }
        return target;
    }

    private static boolean isModel(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> versions = Files.list(dir)) {
            return versions.anyMatch(
                    v -> v.getFileName().toString().matches("\\d+") && Files.isRegularFile(v.resolve("model.onnx")));
        } catch (IOException e) {
            return false;
        }
    }

    private static void merge(ObjectNode into, JsonNode from) {
        from.fields().forEachRemaining(f -> {
            JsonNode existing = into.get(f.getKey());
            if (existing instanceof ObjectNode obj && f.getValue().isObject()) {
                merge(obj, f.getValue());
            } else {
                into.set(f.getKey(), f.getValue());
            }
        });
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    private void awaitReady(Duration timeout) throws IOException {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            if (!process.isAlive()) {
                throw new IllegalStateException("bin/ember up exited; its log, " + log + ":\n" + Files.readString(log));
            }
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(uri.resolve("/models"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(200);
        }
        close();
        throw new IllegalStateException("Ember did not answer within " + timeout + "; its log is " + log);
    }

    /**
     * Waits until the pool reports {@code spares} spare runtimes practised and waiting ({@code
     * ember_pool_spares}): a deployed Ember has had them for a while, and a run should not measure
     * its first seconds.
     */
    private void awaitSpares(int spares, Duration timeout) {
        if (spares == 0) {
            return;
        }
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            if (!process.isAlive()) {
                throw new IllegalStateException("bin/ember up exited; see its log, " + log);
            }
            double waiting = metricsSource
                    .read()
                    .map(m -> MetricsSource.sum(m, "ember_pool_spares"))
                    .orElse(0.0);
            if (waiting >= spares) {
                return;
            }
            sleep(100);
        }
        throw new IllegalStateException("Ember's spare runtimes were not ready within " + timeout + "; see " + log);
    }

    /**
     * Waits (at most {@code timeout}) until no worker of this Ember is starting: a JVM start is the
     * heaviest thing an Ember does, and one still going on would land on whatever is measured next.
     */
    public void awaitNoLaunches(Duration timeout) {
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until && process.isAlive()) {
            Double launching = metricsSource
                    .read()
                    .map(m -> MetricsSource.sum(m, "ember_workers", "state=\"launching\""))
                    .orElse(null);
            if (launching != null && launching == 0) {
                return;
            }
            sleep(250);
        }
    }

    @Override
    public void close() {
        // SIGTERM to the launcher: its trap stops the app, which stops its workers.
        process.toHandle().destroy();
        try {
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        deleteTree(models);
        deleteRedisKeys();
    }

    /** What this Ember left in Redis under its own key prefix (answers, jobs, rates): deleted. */
    private void deleteRedisKeys() {
        String prefix = environment.get("EMBER_REDIS_KEY_PREFIX");
        if (!RedisKeys.isRunPrefix(prefix)) {
            return;
        }
        String url = environment.getOrDefault(
                "REDIS_URL", System.getenv().getOrDefault("REDIS_URL", "redis://127.0.0.1:6379"));
        try {
            RedisKeys.deleteAll(url, prefix);
        } catch (Exception e) {
            // No Redis (Ember cached in-process) or it is gone: nothing of ours to delete there.
            System.err.println("# " + log + ": could not delete Redis keys " + prefix + "* at " + url + ": " + e);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp folder left behind is not worth failing a run for
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
