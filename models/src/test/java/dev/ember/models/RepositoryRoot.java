package dev.ember.models;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the checkout's root, whether the tests run from the root or from {@code models/}. */
final class RepositoryRoot {

    private RepositoryRoot() {}

    /** The {@code models/} folder of the checkout holding this module. */
    static Path modelsDir() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("models");
            if (Files.isRegularFile(candidate.resolve("pom.xml"))
                    && Files.isDirectory(candidate.resolve("src/main/java/dev/ember/models"))) {
                return candidate;
            }
        }
        throw new IllegalStateException(
                "no models/ module above " + Path.of("").toAbsolutePath() + "; run the tests inside the checkout");
    }
}
