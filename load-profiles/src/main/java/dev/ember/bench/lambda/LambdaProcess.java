package dev.ember.bench.lambda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A function instance started the way Lambda starts one, against a {@link RuntimeApiServer}: the
 * deployment package unpacked as the task root, Lambda's reserved environment, and either
 *
 * <ul>
 *   <li>{@link #managed}: the managed Java runtime's JVM — its flags (C1 only, serial GC, class
 *       data sharing, IPv4, CRaC hooks routed to the runtime client) and its entry point, the AWS
 *       Lambda runtime interface client ({@code AWSLambda}), which loads the handler from the task
 *       root the way java21 does, and runs SnapStart's hooks when the init type says so; or
 *   <li>{@link #custom}: the package's own {@code bootstrap}, as a {@code provided.al2023} function
 *       runs it.
 * </ul>
 */
public final class LambdaProcess implements AutoCloseable {
    /** Memory the function is given; the managed runtime caps the heap at about 85 % of it. */
    static final int MEMORY_MB = 2048;

    private final Process process;
    private final Path log;
    private final long startedNanos;

    private LambdaProcess(Process process, Path log, long startedNanos) {
        this.process = process;
        this.log = log;
        this.startedNanos = startedNanos;
    }

    /**
     * The managed runtime's JVM ({@code java21}; flags as its bootstrap passes them), with the
     * runtime interface client's jars as the runtime's own classpath: the function's code is only
     * in the task root.
     */
    public static LambdaProcess managed(
            Path taskRoot, String handler, boolean snapStart, Map<String, String> env, RuntimeApiServer api) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:MaxHeapSize=" + (MEMORY_MB * 85 / 100) + "m",
                "-XX:+UseSerialGC",
                "-Xshare:auto",
                "-XX:+TieredCompilation",
                "-XX:TieredStopAtLevel=1",
                "-Djava.net.preferIPv4Stack=true",
                "-Dorg.crac.Core.Compat=com.amazonaws.services.lambda.crac",
                "-classpath",
                runtimeClasspath(),
                "com.amazonaws.services.lambda.runtime.api.client.AWSLambda",
                handler));
        return start(command, taskRoot, handler, snapStart, env, api);
    }

    /** The package's {@code bootstrap} (Micronaut's Runtime API loop), with this JVM as its java. */
    public static LambdaProcess custom(Path taskRoot, String handler, Map<String, String> env, RuntimeApiServer api) {
        Map<String, String> withJava = new HashMap<>(env);
        withJava.put("JAVA_HOME", System.getProperty("java.home"));
        return start(List.of(taskRoot.resolve("bootstrap").toString()), taskRoot, handler, false, withJava, api);
    }

    private static LambdaProcess start(
            List<String> command,
            Path taskRoot,
            String handler,
            boolean snapStart,
            Map<String, String> env,
            RuntimeApiServer api) {
        try {
            Path log = Files.createTempFile("ember-lambda", ".log");
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(taskRoot.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            Map<String, String> e = pb.environment();
            e.put("AWS_LAMBDA_RUNTIME_API", api.address());
            e.put("LAMBDA_TASK_ROOT", taskRoot.toString());
            e.put("LAMBDA_RUNTIME_DIR", taskRoot.toString());
            e.put("_HANDLER", handler);
            e.put("AWS_LAMBDA_FUNCTION_NAME", "ember");
            e.put("AWS_LAMBDA_FUNCTION_VERSION", "1");
            e.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(MEMORY_MB));
            e.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/ember");
            e.put("AWS_LAMBDA_LOG_STREAM_NAME", "local");
            e.put("AWS_LAMBDA_INITIALIZATION_TYPE", snapStart ? "snap-start" : "on-demand");
            e.put("AWS_REGION", "us-east-1");
            e.put("TZ", ":UTC");
            e.putAll(env);
            long started = System.nanoTime();
            return new LambdaProcess(pb.start(), log, started);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** When the process was started ({@link System#nanoTime}). */
    public long startedNanos() {
        return startedNanos;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Waits for the process to end by itself (after an init error, say); its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the function did not exit within " + timeout + "; log: " + log);
        }
        return process.exitValue();
    }

    /** What the function printed (its CloudWatch log, on Lambda). */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // a log left in the temp dir is no failure
        }
    }

    /** Unpacks a deployment package into a fresh directory: the task root ({@code /var/task}). */
    public static Path unpack(Path zip, Path into) {
        if (!Files.isRegularFile(zip)) {
            throw new IllegalStateException(zip + " is missing: build it with mvn -B -pl functions/lambda -am package");
        }
        try (InputStream in = Files.newInputStream(zip);
                ZipInputStream z = new ZipInputStream(in)) {
            Files.createDirectories(into);
            for (ZipEntry entry; (entry = z.getNextEntry()) != null; ) {
                Path target = into.resolve(entry.getName()).normalize();
                if (!target.startsWith(into)) {
                    throw new IllegalStateException("zip entry outside the task root: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(z, target);
                }
            }
            Path bootstrap = into.resolve("bootstrap");
            if (Files.exists(bootstrap)) { // zip entries' modes are not kept by ZipInputStream
                Files.setPosixFilePermissions(bootstrap, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            return into;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The runtime interface client and what it needs, from this JVM's own classpath. */
    private static String runtimeClasspath() {
        List<String> jars = new ArrayList<>();
        for (String type : List.of(
                "com.amazonaws.services.lambda.runtime.api.client.AWSLambda",
                "com.amazonaws.services.lambda.runtime.Context",
                "com.amazonaws.services.lambda.runtime.serialization.PojoSerializer")) {
            try {
                jars.add(Path.of(Class.forName(type)
                                .getProtectionDomain()
                                .getCodeSource()
                                .getLocation()
                                .toURI())
                        .toString());
            } catch (ClassNotFoundException | URISyntaxException e) {
                throw new IllegalStateException(
                        "the Lambda runtime interface client is not on this classpath (" + type + ")", e);
            }
        }
        return String.join(java.io.File.pathSeparator, jars);
    }
}
