package dev.ember.bench;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** What a bench that starts the functions process needs: the models, Redis, the packaged functions. */
final class FunctionsBenchOptions {
    @Option(
            names = "--models",
            defaultValue = "models",
            description = "Model repository holding mlp-tiny and ppocr-det")
    Path models;

    @Option(names = "--redis", defaultValue = "${env:REDIS_URL:-redis://127.0.0.1:6379}", description = "Redis URL")
    String redisUrl;

    @Option(names = "--functions-jar", defaultValue = "functions/knative/target/quarkus-app/quarkus-run.jar")
    Path functionsJar;
}
