package dev.ember.knative.config;

import dev.ember.pool.api.config.ModelConfig;
import dev.ember.pool.api.config.ModelConfigReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A model of the repository as the deployment sees it: its name, its versions on disk and its
 * config.yaml. Each becomes a pool Service {@code ember-pool-<name>}, so the name must be a DNS
 * label short enough for Knative's revision names ({@code ember-pool-<name>-v<N>} within 63).
 */
public record PoolModel(String name, List<Long> versions, ModelConfig config) {
    public static final String SERVICE_PREFIX = "ember-pool-";
    /** 63 − "ember-pool-" − "-v" − up to 8 version digits − "-" − 5-char revision suffix. */
    public static final int MAX_NAME = 36;

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");

    public PoolModel {
        Objects.requireNonNull(config, "config");
        versions = List.copyOf(versions);
        if (name == null || !DNS_LABEL.matcher(name).matches() || name.length() > MAX_NAME) {
            throw new IllegalArgumentException("model '" + name + "' cannot be deployed to Knative: its pool Service "
                    + "would be '" + SERVICE_PREFIX + name + "'; rename its folder to at most " + MAX_NAME
                    + " lower-case letters, digits and '-' (not at either end)");
        }
        if (versions.isEmpty()) {
            throw new IllegalArgumentException("model '" + name + "' has no <version>/model.onnx");
        }
    }

    public String serviceName() {
        return SERVICE_PREFIX + name;
    }

    public long latestVersion() {
        return versions.get(versions.size() - 1);
    }

    /**
     * The models of a repository ({@code <dir>/<name>/<version>/model.onnx} [+ {@code
     * <name>/config.yaml}]), by name; folders without a version are not models and are passed over,
     * as the worker does.
     */
    public static List<PoolModel> scan(Path repository) {
        if (!Files.isDirectory(repository)) {
            throw new IllegalArgumentException(
                    "model repository " + repository.toAbsolutePath() + " is not a directory");
        }
        List<PoolModel> models = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(repository)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                List<Long> versions = versions(dir);
                if (versions.isEmpty()) {
                    continue;
                }
                ModelConfig config = ModelConfigReader.read(dir.resolve("config.yaml"));
                models.add(new PoolModel(dir.getFileName().toString(), versions, config));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list model repository " + repository, e);
        }
        if (models.isEmpty()) {
            throw new IllegalArgumentException("model repository " + repository.toAbsolutePath()
                    + " holds no model (<name>/<version>/model.onnx)");
        }
        return models;
    }

    private static List<Long> versions(Path dir) throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(
                            p -> VERSION.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p.resolve("model.onnx")))
                    .map(p -> Long.parseLong(p.getFileName().toString()))
                    .sorted()
                    .toList();
        }
    }
}
