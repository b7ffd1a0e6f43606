package dev.ember.bench;

import dev.ember.bench.lambda.ApiGatewayEvents;
import dev.ember.bench.lambda.LambdaProcess;
import dev.ember.bench.lambda.RuntimeApiServer;
import dev.ember.pool.worker.WorkerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ember bench lambda}: a Lambda function's cold start, in a JVM started the way the managed
 * Java runtime starts it (its flags, its runtime interface client, the deployment package unpacked
 * as the task root, a loopback Runtime API server playing the Lambda service). Two pool targets,
 * interleaved: a remote pool (a worker process on loopback) and the package's models served
 * in-process. For each:
 *
 * <ul>
 *   <li>{@code lambda.init_ms.*}: process start to the runtime's first {@code /invocation/next},
 *       what Lambda bills as Init Duration;
 *   <li>{@code lambda.first_invoke_ms.*}: the first invocation (a v2 inference of masked-sum no
 *       earlier run cached), from the event handed out to the response posted;
 *   <li>{@code lambda.first_invoke_ms.*.snapstart}: the same after SnapStart's before-checkpoint
 *       hooks (priming) ran, as a restored instance's first invocation — without the restore
 *       itself, which only Lambda can do.
 * </ul>
 *
 * AWS cannot be reached from here: these are this machine's figures for the same JVM and code.
 */
@Command(
        name = "lambda",
        description = "Lambda cold start: init and first invocation, remote pool vs in-process model.")
final class LambdaBench implements Callable<Integer> {
    private static final String HANDLER = "dev.ember.functions.lambda.HttpApiHandler";
    private static final AtomicInteger SEED = new AtomicInteger((int) (System.nanoTime() & 0xffff));

    @Option(names = "--package", defaultValue = "functions/lambda/target/ember-lambda.zip")
    Path zip;

    @Option(names = "--models", defaultValue = "models", description = "the repository the remote worker serves")
    Path models;

    @Option(names = "--redis-url", defaultValue = "${env:REDIS_URL:-redis://127.0.0.1:6379}")
    String redisUrl;

    @Option(names = "--repetitions", defaultValue = "3")
    int repetitions;

    private record Run(double initMs, double firstInvokeMs) {}

    @Override
    public Integer call() throws Exception {
        Report.value("machine.cpus", Runtime.getRuntime().availableProcessors());
        Path taskRoot = LambdaProcess.unpack(zip, Files.createTempDirectory("ember-lambda-task"));
        Path repo = Files.createTempDirectory("ember-lambda-pool");
        for (String m : List.of("masked-sum", "mlp-tiny")) {
            copyModel(models.resolve(m), repo.resolve(m));
        }
        try (WorkerProcess worker =
                WorkerProcess.start(repo, List.of("-Xmx512m"), List.of(), Duration.ofSeconds(60), false)) {
            String prefix = "bench:lambda:" + Long.toHexString(System.nanoTime()) + ":";
            Map<String, String> remote =
                    Map.of("POOL_URL", worker.uri().toString(), "REDIS_URL", redisUrl, "EMBER_KEY_PREFIX", prefix);
            Map<String, String> inProcess = Map.of(
                    "EMBER_MODELS",
                    taskRoot.resolve("models").toString(),
                    "REDIS_URL",
                    redisUrl,
                    "EMBER_KEY_PREFIX",
                    prefix,
                    "JAVA_TOOL_OPTIONS",
                    "-Donnxruntime.native.path=" + taskRoot.resolve("ai/onnxruntime/native/linux-x64"));
            Map<String, Run> last = new HashMap<>();
            SideBySide s = new SideBySide();
            // Each target's init phase starts a fresh function and measures both figures; the
            // first_invoke phase that follows it reads the second figure of that same run.
            for (String target : List.of("remote_pool", "in_process")) {
                Map<String, String> env = target.equals("remote_pool") ? remote : inProcess;
                s.phase("init_ms." + target, () -> {
                            Run r = run(taskRoot, env, false);
                            last.put(target, r);
                            return r.initMs();
                        })
                        .phase(
                                "first_invoke_ms." + target,
                                () -> last.get(target).firstInvokeMs())
                        .phase(
                                "first_invoke_ms." + target + ".snapstart",
                                () -> run(taskRoot, env, true).firstInvokeMs());
            }
            s.run(repetitions);
            for (String target : List.of("remote_pool", "in_process")) {
                for (String figure : List.of("init_ms.", "first_invoke_ms.")) {
                    Report.value("lambda." + figure + target, s.median(figure + target));
                    Report.value(
                            "lambda." + figure + target + ".runs_ms",
                            s.values(figure + target).stream()
                                    .map(v -> Report.format(Math.rint(v)))
                                    .toList()
                                    .toString()
                                    .replace(" ", ""));
                }
                Report.value(
                        "lambda.first_invoke_ms." + target + ".snapstart",
                        s.median("first_invoke_ms." + target + ".snapstart"));
            }
            s.ratio("init_ms.in_process", "init_ms.remote_pool").report("lambda.init_ratio.in_process_vs_remote");
        }
        return 0;
    }

    /** One cold start: a new function process, its init, its first invocation. */
    private static Run run(Path taskRoot, Map<String, String> env, boolean snapStart) {
        try (RuntimeApiServer api = RuntimeApiServer.start();
                LambdaProcess function = LambdaProcess.managed(taskRoot, HANDLER, snapStart, env, api)) {
            long ready = api.firstNext().get(120, TimeUnit.SECONDS);
            int base = SEED.incrementAndGet();
            RuntimeApiServer.Outcome first = api.invoke(ApiGatewayEvents.httpApi(
                                    "POST",
                                    "/v2/models/masked-sum/infer",
                                    Map.of("content-type", "application/json"),
                                    maskedSum(base))
                            .getBytes(StandardCharsets.UTF_8))
                    .get(60, TimeUnit.SECONDS);
            String body = new String(first.body(), StandardCharsets.UTF_8);
            if (first.error() || !body.contains("\"statusCode\":200")) {
                throw new IllegalStateException("the first invocation failed: " + body + "\n" + function.log());
            }
            return new Run((ready - function.startedNanos()) / 1e6, first.millis());
        } catch (Exception e) {
            throw new IllegalStateException("a function run failed: " + e.getMessage(), e);
        }
    }

    private static String maskedSum(int base) {
        return "{\"inputs\": [{\"name\": \"x\", \"shape\": [3, 4], \"datatype\": \"FP32\", \"data\": [" + base
                + ",2,3,4,5,6,7,8,9,10,11,12]}, {\"name\": \"mask\", \"shape\": [3, 4], \"datatype\": \"BOOL\","
                + " \"data\": [1,1,1,1,1,0,1,0,0,0,0,0]}]}";
    }

    private static void copyModel(Path from, Path to) throws java.io.IOException {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
