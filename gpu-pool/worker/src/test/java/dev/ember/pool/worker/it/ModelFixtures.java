package dev.ember.pool.worker.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * The repository's real models, and temporary model repositories built from them with a config
 * chosen by the test. Fetched models (ppocr-det, silero-vad) must be installed with {@code
 * models/fetch}; a test that needs one fails, saying so, if it is missing.
 */
public final class ModelFixtures {
    private ModelFixtures() {}

    /** The checkout's root: EMBER_HOME if set (failsafe sets it), else the folder above holding models/fetch. */
    public static Path root() {
        String home = System.getenv("EMBER_HOME");
        if (home != null && Files.isRegularFile(Path.of(home, "models", "fetch"))) {
            return Path.of(home);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("models").resolve("fetch"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the Ember checkout (models/fetch) above "
                + Path.of("").toAbsolutePath());
    }

    public static Path modelsDir() {
        return root().resolve("models");
    }

    /** The model file of a checked-in or fetched model, failing with instructions if it is absent. */
    public static Path modelFile(String name) {
        Path file = modelsDir().resolve(name).resolve("1").resolve("model.onnx");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing: run `models/fetch` (needs the npm registry) first");
        }
        return file;
    }

    /** A repository under {@code dir} to which models are added with a config of the test's choosing. */
    public static Repo repo(Path dir) {
        return new Repo(dir);
    }

    public static final class Repo {
        private final Path dir;

        private Repo(Path dir) {
            this.dir = dir;
        }

        public Path dir() {
            return dir;
        }

        /** Serves {@code source}'s model file as {@code name} version {@code version}, with {@code configYaml}. */
        public Repo add(String name, String source, int version, String configYaml) {
            try {
                Path versionDir = Files.createDirectories(dir.resolve(name).resolve(Integer.toString(version)));
                Files.copy(modelFile(source), versionDir.resolve("model.onnx"), StandardCopyOption.REPLACE_EXISTING);
                Files.writeString(dir.resolve(name).resolve("config.yaml"), configYaml);
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * Serves a checked-in or fetched model under its own name, as shipped: its config.yaml and
         * every other file of its folder (warmup samples) come along.
         */
        public Repo addAsShipped(String name) {
            try {
                Path shipped = modelsDir().resolve(name);
                Path config = shipped.resolve("config.yaml");
                add(name, name, 1, Files.isRegularFile(config) ? Files.readString(config) : "");
                try (Stream<Path> files = Files.list(shipped)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        Files.copy(f, dir.resolve(name).resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public void remove(String name) {
            try (Stream<Path> files = Files.walk(dir.resolve(name))) {
                for (Path p : files.sorted((a, b) -> b.compareTo(a)).toList()) {
                    Files.delete(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
