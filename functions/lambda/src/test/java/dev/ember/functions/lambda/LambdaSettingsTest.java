package dev.ember.functions.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A function misconfigured fails its init with a message that says which variable to change. */
class LambdaSettingsTest {
    @TempDir
    Path dir;

    private LambdaSettings settings(Optional<URI> pool, Optional<Path> models, Optional<String> redis) {
        return new LambdaSettings(
                pool,
                models,
                redis,
                Duration.ofMillis(200),
                "ember:",
                Optional.empty(),
                1000,
                List.of(),
                Optional.empty());
    }

    @Test
    void exactlyOnePoolIsRequired() {
        assertThatThrownBy(() -> settings(Optional.empty(), Optional.empty(), Optional.empty()))
                .hasMessageContaining("set POOL_URL")
                .hasMessageContaining("EMBER_MODELS");
        assertThatThrownBy(
                        () -> settings(Optional.of(URI.create("http://pool:8000")), Optional.of(dir), Optional.empty()))
                .hasMessageContaining("both POOL_URL and EMBER_MODELS");
        assertThat(settings(Optional.empty(), Optional.of(dir), Optional.empty())
                        .models())
                .contains(dir);
    }

    @Test
    void urlsAndPathsAreCheckedAtInit() {
        assertThatThrownBy(() -> settings(Optional.of(URI.create("ftp://pool")), Optional.empty(), Optional.empty()))
                .hasMessageContaining("POOL_URL 'ftp://pool' is not an http(s) URL");
        assertThatThrownBy(() -> settings(Optional.empty(), Optional.of(dir.resolve("absent")), Optional.empty()))
                .hasMessageContaining("is not a directory");
        assertThatThrownBy(() -> settings(Optional.empty(), Optional.of(dir), Optional.of("localhost:6379")))
                .hasMessageContaining("REDIS_URL 'localhost:6379' is not a redis://");
    }

    @Test
    void blankVariablesAreUnsetAndListsAreCommaSeparated() {
        assertThat(LambdaSettings.present("  ")).isEmpty();
        assertThat(LambdaSettings.uri("")).isEmpty();
        assertThat(LambdaSettings.list(" mlp-tiny, ,masked-sum ")).containsExactly("mlp-tiny", "masked-sum");
    }
}
