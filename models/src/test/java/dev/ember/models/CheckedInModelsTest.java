package dev.ember.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed files under models/ must be exactly what the generator writes today. */
class CheckedInModelsTest {

    @Test
    void checkedInFilesMatchGenerator(@TempDir Path fresh) throws Exception {
        TinyModels.main(new String[] {fresh.toString()});
        Path checkedIn = RepositoryRoot.modelsDir();
        List<Path> generated;
        try (Stream<Path> files = Files.walk(fresh)) {
            generated = files.filter(Files::isRegularFile).sorted().toList();
        }
        assertThat(generated).hasSize(2 * TinyModels.all().size());
        for (Path file : generated) {
            Path relative = fresh.relativize(file);
            Path committed = checkedIn.resolve(relative);
            assertThat(committed)
                    .as("%s is missing; regenerate with: mvn -q -pl models compile exec:java", relative)
                    .isRegularFile();
            assertThat(Files.readAllBytes(committed))
                    .as("%s differs from the generator; regenerate with: mvn -q -pl models compile exec:java", relative)
                    .isEqualTo(Files.readAllBytes(file));
        }
    }
}
