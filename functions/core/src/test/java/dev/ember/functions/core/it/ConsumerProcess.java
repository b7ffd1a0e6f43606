package dev.ember.functions.core.it;

import dev.ember.functions.core.jobs.ConsumerMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A {@link ConsumerMain} process, as {@code bin/ember consumer} starts it, for tests that kill it. */
final class ConsumerProcess implements AutoCloseable {
    private final List<String> command;
    private final Path log;
    private Process process;

    ConsumerProcess(String name, String redis, URI pool, String prefix, URI sink, Path log, String... more) {
        this.log = log;
        command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                ConsumerMain.class.getName(),
                "--name",
                name,
                "--redis",
                redis,
                "--pool",
                pool.toString(),
                "--key-prefix",
                prefix,
                "--sink",
                sink.toString()));
        command.addAll(List.of(more));
    }

    /** Starts the process and waits for its READY line. */
    ConsumerProcess start() {
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CountDownLatch ready = new CountDownLatch(1);
        Process p = process;
        Thread pump = new Thread(() -> {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("READY")) {
                        ready.countDown();
                    }
                    Files.writeString(log, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            } catch (IOException e) {
                // the process died: its output ends here
            }
        });
        pump.setDaemon(true);
        pump.start();
        try {
            if (!ready.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the consumer did not start; see " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return this;
    }

    /** SIGKILL: no shutdown hook, no goodbye; its jobs in hand stay pending. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
