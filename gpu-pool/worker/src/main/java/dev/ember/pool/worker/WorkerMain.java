package dev.ember.pool.worker;

import dev.ember.pool.api.ModelStatus;
import dev.ember.pool.api.config.Device;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ember worker}: serves a model repository over the Open Inference Protocol until SIGTERM. */
@Command(
        name = "ember worker",
        mixinStandardHelpOptions = true,
        description = "Serve the ONNX models under a repository over the Open Inference Protocol (KServe v2).")
public final class WorkerMain implements Callable<Integer> {
    /**
     * Printed once the port is bound and every model is loaded and warm; supervisors wait for it.
     * Followed by the port and {@code key=value} phase timings.
     */
    public static final String READY_LINE = "EMBER_WORKER_READY port=";

    @Option(
            names = "--models",
            required = true,
            description = "Model repository: <dir>/<name>/<version>/model.onnx [+ <name>/config.yaml]")
    Path models;

    @Option(
            names = "--port",
            defaultValue = "8000",
            description = "Port to listen on; 0 picks a free one (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to bind (default ${DEFAULT-VALUE})")
    String host;

    @Option(
            names = "--max-body-mb",
            defaultValue = "64",
            description = "Largest request body in MiB (default ${DEFAULT-VALUE})")
    int maxBodyMb;

    @Option(
            names = "--drain-seconds",
            defaultValue = "30",
            description = "On SIGTERM, how long to finish queued requests (default ${DEFAULT-VALUE})")
    int drainSeconds;

    @Option(names = "--event-loops", description = "HTTP I/O threads (default: number of CPUs)")
    Integer eventLoops;

    @Option(
            names = "--cache-dir",
            description = "Keep ONNX Runtime's optimized models here between cold starts (default: none)")
    Path cacheDir;

    @Option(
            names = "--spare",
            description = "Start with ONNX Runtime ready and no model loaded; load one with "
                    + "POST /v2/repository/models/{name}/load")
    boolean spare;

    @Option(
            names = "--spare-device",
            paramLabel = "DEVICE",
            defaultValue = "cpu",
            description = "The device a spare practises on before it is given a model: cpu or cuda[:N] (a GPU "
                    + "pool's spare then has CUDA set up; falls back to CPU where CUDA cannot be used; "
                    + "default: ${DEFAULT-VALUE})")
    String spareDevice;

    @Option(
            names = "--model",
            paramLabel = "NAME",
            description = "Serve only this model of the repository (repeatable; default: every model)")
    List<String> only = new ArrayList<>();

    @Option(
            names = "--up-to",
            paramLabel = "VERSION",
            description = "Serve no model version above this one (default: the newest)")
    Long upTo;

    @Option(
            names = "--exit-when-ready",
            description = "Start, load and warm everything, then stop: a training run for a class-data archive")
    boolean exitWhenReady;

    @Option(
            names = "--exit-with",
            paramLabel = "PID",
            description = "Stop (draining, as on SIGTERM) when the process PID ends (repeatable: when any ends): a"
                    + " supervisor's workers and spares do not outlive it, even when it is killed")
    List<Long> exitWith = new ArrayList<>();

    @Override
    public Integer call() {
        for (long pid : exitWith) {
            ProcessHandle supervisor = ProcessHandle.of(pid)
                    .orElseThrow(() -> new IllegalArgumentException(
                            "--exit-with " + pid + ": no such process; give the supervisor's pid"));
            supervisor.onExit().thenRun(() -> {
                System.err.println("ember worker: process " + pid + " ended; stopping");
                System.exit(0);
            });
        }
        WorkerConfig config = new WorkerConfig(
                models,
                host,
                port,
                (long) maxBodyMb << 20,
                Duration.ofSeconds(drainSeconds),
                eventLoops != null
                        ? eventLoops
                        : Math.max(1, Runtime.getRuntime().availableProcessors()),
                Optional.ofNullable(cacheDir),
                spare ? Optional.of(Device.parse(spareDevice)) : Optional.empty(),
                Set.copyOf(only),
                upTo == null ? Long.MAX_VALUE : upTo);
        Worker worker = Worker.start(config);
        // Printed, not logged: java.util.logging resets its handlers in a shutdown hook of its own.
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(() -> System.err.println("ember worker: " + worker.stop()), "ember-shutdown"));
        long loadMs = 0;
        long warmupMs = 0;
        for (ModelStatus m : worker.service().index()) {
            var cold = worker.service().resolve(m.name(), m.version()).coldStart();
            loadMs += cold.modelLoad().toMillis();
            warmupMs += cold.warmup().toMillis();
        }
        // Read by supervisors (WorkerProcess): the port, then phase timings as key=value.
        System.out.println(READY_LINE + worker.port() + " runtime_init_ms="
                + worker.runtimeInit().toMillis()
                + " model_load_ms=" + loadMs + " warmup_ms=" + warmupMs + " jvm_uptime_ms="
                + ManagementFactory.getRuntimeMXBean().getUptime());
        System.out.flush();
        if (exitWhenReady) {
            System.err.println("ember worker: " + worker.stop());
            System.exit(0);
        }
        return 0;
    }

    public static void main(String[] args) {
        // One line per record, before anything touches java.util.logging.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT.%1$tL %4$-7s %3$s: %5$s%6$s%n");
        }
        System.setProperty("vertx.disableFileCPResolving", "true");
        CommandLine cli = new CommandLine(new WorkerMain());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("ember worker: " + e.getMessage());
            return 1;
        });
        int code = cli.execute(args);
        if (code != 0) {
            System.exit(code);
        }
        // Non-daemon Vert.x threads keep the process serving until SIGTERM runs the shutdown hook.
    }
}
