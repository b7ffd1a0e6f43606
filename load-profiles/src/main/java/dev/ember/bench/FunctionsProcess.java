package dev.ember.bench;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The functions app (Quarkus, fast-jar) as a child process, ready once {@code /models} answers. */
final class FunctionsProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private FunctionsProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static FunctionsProcess start(Path runJar, Map<String, String> env, Duration timeout) {
        return start(runJar, env, List.of(), timeout);
    }

    /** As above, with extra JVM options (a flight recording, say). */
    static FunctionsProcess start(Path runJar, Map<String, String> env, List<String> jvmOptions, Duration timeout) {
        if (!Files.isRegularFile(runJar)) {
            throw new IllegalStateException(runJar + " is missing: build functions/knative (bin/ember builds it)");
        }
        try {
            int port = freePort();
            Path log = Files.createTempFile("ember-functions", ".log");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
            command.addAll(jvmOptions);
            command.addAll(List.of(
                    "-Dquarkus.http.port=" + port,
                    // Health and metrics listen on the management interface: a free port, not 9000.
                    "-Dquarkus.management.port=" + freePort(),
                    "-Dquarkus.http.host=127.0.0.1",
                    "-jar",
                    runJar.toString()));
            ProcessBuilder pb =
                    new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            FunctionsProcess p = new FunctionsProcess(pb.start(), port, log);
            p.awaitReady(timeout);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    private void awaitReady(Duration timeout) throws IOException {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            if (!process.isAlive()) {
                throw new IllegalStateException("functions app exited:\n" + Files.readString(log));
            }
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(uri().resolve("/models"))
                                .GET()
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("functions app not ready within " + timeout + ":\n" + Files.readString(log));
    }

    @Override
    public void close() {
        process.toHandle().destroy();
        try {
            if (!process.waitFor(Duration.ofSeconds(20).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
