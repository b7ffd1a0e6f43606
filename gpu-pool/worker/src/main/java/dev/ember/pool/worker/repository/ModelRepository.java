package dev.ember.pool.worker.repository;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.config.ModelConfig;
import dev.ember.pool.api.config.ModelConfigReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A folder of models laid out as {@code <name>/<version>/model.onnx} with an optional {@code
 * <name>/config.yaml}. Versions are positive integers; by default only the highest is served
 * ({@code version_policy: all} serves every one). Folders that hold no version are not models and
 * are passed over (the repository's {@code models/} also holds sources and scripts).
 */
public final class ModelRepository {
    private static final System.Logger LOG = System.getLogger(ModelRepository.class.getName());
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");
    public static final String MODEL_FILE = "model.onnx";
    public static final String CONFIG_FILE = "config.yaml";

    private final Path root;
    private final java.util.Set<String> only;
    private final long upToVersion;

    public ModelRepository(Path root) {
        this(root, java.util.Set.of(), Long.MAX_VALUE);
    }

    /**
     * A repository of which only the models named in {@code only} are seen (empty: all), and of
     * those no version above {@code upToVersion}.
     */
    public ModelRepository(Path root, java.util.Set<String> only, long upToVersion) {
        this.only = java.util.Set.copyOf(only);
        this.upToVersion = upToVersion;
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("model repository " + root.toAbsolutePath() + " is not a directory");
        }
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** True if {@code name} is a model name: letters, digits, {@code _ . -}, not starting with a dot. */
    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches() && !name.contains("..");
    }

    /** Throws BAD_INPUT unless {@code name} is a valid model name (so it can never leave the root). */
    public static String requireValidName(String name) {
        if (!isValidName(name)) {
            throw InferenceException.badInput("invalid model name '" + name
                    + "': use letters, digits, '_', '.', '-' (at most 128, not starting with '.' or containing '..')");
        }
        return name;
    }

    /** Every model version to serve, by name then version. Fails if a config.yaml is invalid. */
    public List<ModelLocation> scan() {
        return scan(name -> true, Long.MAX_VALUE);
    }

    private List<ModelLocation> scan(java.util.function.Predicate<String> names, long upToVersion) {
        List<ModelLocation> found = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                String name = dir.getFileName().toString();
                if (!isValidName(name) || !names.test(name) || !(only.isEmpty() || only.contains(name))) {
                    continue;
                }
                List<Long> versions = versions(dir).stream()
                        .filter(v -> v <= Math.min(upToVersion, this.upToVersion))
                        .toList();
                if (versions.isEmpty()) {
                    LOG.log(System.Logger.Level.DEBUG, "{0} holds no <version>/model.onnx; not a model", dir);
                    continue;
                }
                ModelConfig config = ModelConfigReader.read(dir.resolve(CONFIG_FILE));
                List<Long> served = config.versionPolicy() == ModelConfig.VersionPolicy.ALL
                        ? versions
                        : List.of(versions.get(versions.size() - 1));
                for (long v : served) {
                    found.add(new ModelLocation(
                            name, v, dir.resolve(Long.toString(v)).resolve(MODEL_FILE), config));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list model repository " + root, e);
        }
        return found;
    }

    /** One model's versions as they are on disk now, or empty if there is no such model. */
    public Optional<List<ModelLocation>> scan(String name) {
        return scan(name, Long.MAX_VALUE);
    }

    /**
     * As {@link #scan(String)}, as if versions above {@code upToVersion} were not there (the
     * version policy then picks among the rest).
     */
    public Optional<List<ModelLocation>> scan(String name, long upToVersion) {
        requireValidName(name);
        return Optional.of(scan(name::equals, upToVersion)).filter(l -> !l.isEmpty());
    }

    private static List<Long> versions(Path modelDir) throws IOException {
        try (Stream<Path> children = Files.list(modelDir)) {
            return children.filter(
                            p -> VERSION.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p.resolve(MODEL_FILE)))
                    .map(p -> Long.parseLong(p.getFileName().toString()))
                    .sorted(Comparator.naturalOrder())
                    .toList();
        }
    }
}
