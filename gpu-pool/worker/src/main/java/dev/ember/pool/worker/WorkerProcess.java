package dev.ember.pool.worker;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A worker running as a child JVM, started from this JVM's classpath. {@link #start} returns once
 * the worker printed {@link WorkerMain#READY_LINE} (models loaded, port bound). {@link #stop} sends
 * SIGTERM, which drains the worker's queues before it exits. The child's output is kept (last 200
 * lines) for diagnostics and echoed with a prefix when {@code echo} is set.
 */
public final class WorkerProcess implements AutoCloseable {
    private static final int KEPT_LINES = 200;

    private final Process process;
    private final int port;
    private final Deque<String> output;
    private final Thread pump;
    private final Duration toReady;
    private final Map<String, Long> phases;

    private WorkerProcess(
            Process process, int port, Deque<String> output, Thread pump, Duration toReady, Map<String, Long> phases) {
        this.toReady = toReady;
        this.phases = Map.copyOf(phases);
        this.process = process;
        this.port = port;
        this.output = output;
        this.pump = pump;
    }

    /**
     * How to start a worker JVM: the command up to the worker's arguments — {@code java},
     * JVM options, and either a classpath and main class or {@code -jar} and the worker jar.
     */
    public record Launch(List<String> command) {
        public Launch {
            command = List.copyOf(command);
        }

        /** This JVM's own classpath (tests, the bench): the worker classes must be on it. */
        public static Launch thisClasspath(List<String> jvmOptions) {
            List<String> c = new ArrayList<>();
            c.add(javaBinary());
            c.addAll(jvmOptions);
            c.add("-cp");
            c.add(System.getProperty("java.class.path"));
            c.add(WorkerMain.class.getName());
            return new Launch(c);
        }

        /** The packaged worker ({@code gpu-pool/worker/target/ember-pool-worker.jar} and its lib/). */
        public static Launch jar(Path workerJar, List<String> jvmOptions) {
            List<String> c = new ArrayList<>();
            c.add(javaBinary());
            c.addAll(jvmOptions);
            c.add("-jar");
            c.add(workerJar.toString());
            return new Launch(c);
        }

        private static String javaBinary() {
            return Path.of(System.getProperty("java.home"), "bin", "java").toString();
        }
    }

    /**
     * @param jvmOptions options for the child JVM (heap, -XX flags)
     * @param workerArgs arguments after {@code --models DIR --port 0 --host 127.0.0.1}
     */
    public static WorkerProcess start(
            Path models, List<String> jvmOptions, List<String> workerArgs, Duration startTimeout, boolean echo) {
        return start(Launch.thisClasspath(jvmOptions), models, workerArgs, startTimeout, echo);
    }

    public static WorkerProcess start(
            Launch launch, Path models, List<String> workerArgs, Duration startTimeout, boolean echo) {
        List<String> command = new ArrayList<>(launch.command());
        command.addAll(List.of("--models", models.toString(), "--port", "0", "--host", "127.0.0.1"));
        // A worker this process started ends with it, even if this process is killed.
        command.addAll(
                List.of("--exit-with", Long.toString(ProcessHandle.current().pid())));
        command.addAll(workerArgs);
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a worker JVM", e);
        }
        Deque<String> output = new ArrayDeque<>();
        long spawned = System.nanoTime();
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> pump(process, output, ready, echo), "ember-worker-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        try {
            String[] fields =
                    ready.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS).split(" ");
            Map<String, Long> phases = new LinkedHashMap<>();
            for (int i = 1; i < fields.length; i++) {
                int eq = fields[i].indexOf('=');
                if (eq > 0) {
                    phases.put(fields[i].substring(0, eq), Long.parseLong(fields[i].substring(eq + 1)));
                }
            }
            Duration toReady = Duration.ofNanos(System.nanoTime() - spawned);
            return new WorkerProcess(process, Integer.parseInt(fields[0]), output, reader, toReady, phases);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            process.destroyForcibly();
            throw new IllegalStateException("worker did not become ready within " + startTimeout + "; its output:\n"
                    + String.join("\n", snapshot(output)));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting a worker", e);
        }
    }

    public int port() {
        return port;
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** From starting the process to its ready line. */
    public Duration startupTime() {
        return toReady;
    }

    /**
     * Phase timings the worker reported in its ready line, in ms: {@code runtime_init_ms}, {@code
     * model_load_ms}, {@code warmup_ms}, {@code jvm_uptime_ms}.
     */
    public Map<String, Long> reportedPhases() {
        return phases;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public List<String> output() {
        return snapshot(output);
    }

    /** SIGTERM, then wait up to {@code timeout} for the drain to finish; kill if it does not. Returns the exit code. */
    public int stop(Duration timeout) {
        // Process.destroy() would also close our end of its output, losing what it prints while draining.
        process.toHandle().destroy();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            pump.join(2000); // the last lines it printed
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return -1;
        }
    }

    /** Completes when the process has exited, for whatever reason. */
    public CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    /** SIGKILL: the worker dies at once, as in a crash. */
    public void kill() {
        process.destroyForcibly();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop(Duration.ofSeconds(30));
        }
    }

    private static void pump(Process process, Deque<String> output, CompletableFuture<String> ready, boolean echo) {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (echo) {
                    System.err.println("[worker " + process.pid() + "] " + line);
                }
                synchronized (output) {
                    output.addLast(line);
                    if (output.size() > KEPT_LINES) {
                        output.removeFirst();
                    }
                }
                if (line.startsWith(WorkerMain.READY_LINE)) {
                    ready.complete(
                            line.substring(WorkerMain.READY_LINE.length()).trim());
                }
            }
        } catch (IOException e) {
            // the process is gone; its exit is reported through ready or waitFor
        } finally {
            ready.completeExceptionally(new IllegalStateException("worker exited with " + exitCode(process)));
        }
    }

    private static String exitCode(Process p) {
        try {
            return Integer.toString(p.waitFor());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    private static List<String> snapshot(Deque<String> output) {
        synchronized (output) {
            return List.copyOf(output);
        }
    }
}
