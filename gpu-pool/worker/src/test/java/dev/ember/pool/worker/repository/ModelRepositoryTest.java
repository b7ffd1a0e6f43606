package dev.ember.pool.worker.repository;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRepositoryTest {
    @TempDir
    Path root;

    @Test
    void aRepositoryLimitedToSomeModelsSeesOnlyThose() throws Exception {
        for (String name : new String[] {"det", "rec", "vad"}) {
            Path version = Files.createDirectories(root.resolve(name).resolve("1"));
            Files.write(version.resolve(ModelRepository.MODEL_FILE), new byte[] {1});
        }
        assertThat(new ModelRepository(root).scan())
                .extracting(ModelLocation::name)
                .containsExactly("det", "rec", "vad");
        ModelRepository onlyDet = new ModelRepository(root, Set.of("det"), Long.MAX_VALUE);
        assertThat(onlyDet.scan()).extracting(ModelLocation::name).containsExactly("det");
        assertThat(onlyDet.scan("rec")).isEmpty();
        assertThat(onlyDet.scan("det")).isPresent();
    }

    @Test
    void aRepositoryLimitedToAVersionServesNothingNewer() throws Exception {
        for (int v = 1; v <= 3; v++) {
            Path version = Files.createDirectories(root.resolve("det").resolve(Integer.toString(v)));
            Files.write(version.resolve(ModelRepository.MODEL_FILE), new byte[] {1});
        }
        assertThat(new ModelRepository(root).scan())
                .extracting(ModelLocation::version)
                .containsExactly(3L);
        assertThat(new ModelRepository(root, Set.of(), 2).scan())
                .extracting(ModelLocation::version)
                .containsExactly(2L);
    }
}
