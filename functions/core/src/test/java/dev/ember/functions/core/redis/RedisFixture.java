package dev.ember.functions.core.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Redis for tests, real: {@code REDIS_URL} if set, else 127.0.0.1:6379 if it answers, else a
 * {@code redis-server} from PATH started on a free port. If none is possible the test fails with
 * a message saying how to get Redis: never a silent skip.
 */
public final class RedisFixture {
    private static volatile String shared;

    private RedisFixture() {}

    /** The Redis every test may share; tests isolate themselves with {@link #uniquePrefix()}. */
    public static synchronized String url() {
        if (shared != null) {
            return shared;
        }
        String env = System.getenv("REDIS_URL");
        if (env != null && !env.isBlank()) {
            shared = env;
        } else if (answers("127.0.0.1", 6379)) {
            shared = "redis://127.0.0.1:6379";
        } else {
            Server s = Server.start();
            Runtime.getRuntime().addShutdownHook(new Thread(s::stop));
            shared = s.url();
        }
        return shared;
    }

    /** A key prefix no other test uses. */
    public static String uniquePrefix() {
        return "test:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    }

    /** Deletes every key under {@code prefix} (SCAN + DEL, never a flush: the Redis is shared). */
    public static void deleteKeys(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return;
        }
        try (RedisLink link = RedisLink.openOrFail(url(), Duration.ofSeconds(5))) {
            var redis = link.commands().orElseThrow();
            io.lettuce.core.ScanCursor cursor = io.lettuce.core.ScanCursor.INITIAL;
            do {
                var page = redis.scan(
                                cursor,
                                io.lettuce.core.ScanArgs.Builder.matches(prefix + "*")
                                        .limit(1000))
                        .get(5, java.util.concurrent.TimeUnit.SECONDS);
                if (!page.getKeys().isEmpty()) {
                    redis.del(page.getKeys().toArray(String[]::new)).get(5, java.util.concurrent.TimeUnit.SECONDS);
                }
                cursor = page;
            } while (!cursor.isFinished());
        } catch (Exception e) {
            throw new IllegalStateException("could not delete the test's keys under " + prefix, e);
        }
    }

    /** A redis-server of the test's own, which it may stop and start again on the same port. */
    public static final class Server {
        private final int port;
        private final Path dir;
        private final boolean aof;
        private Process process;

        private Server(int port, Path dir, boolean aof) {
            this.port = port;
            this.dir = dir;
            this.aof = aof;
        }

        public static Server start() {
            return start(false);
        }

        /**
         * A Redis as async inference needs it: AOF on ({@code appendonly yes}, {@code appendfsync
         * everysec}), in a temporary directory, so a restart ({@link #stop} is a graceful shutdown)
         * keeps every write.
         */
        public static Server startDurable() {
            return start(true);
        }

        public Path dir() {
            return dir;
        }

        private static Server start(boolean aof) {
            try {
                Server s = new Server(freePort(), Files.createTempDirectory("ember-redis"), aof);
                s.restart();
                return s;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public String url() {
            return "redis://127.0.0.1:" + port;
        }

        public synchronized void restart() {
            try {
                process = new ProcessBuilder(List.of(
                                "redis-server",
                                "--port",
                                Integer.toString(port),
                                "--bind",
                                "127.0.0.1",
                                "--save",
                                "",
                                "--appendonly",
                                aof ? "yes" : "no",
                                "--appendfsync",
                                "everysec",
                                "--dir",
                                dir.toString()))
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("redis.log").toFile())
                        .start();
            } catch (IOException e) {
                throw new IllegalStateException(
                        "cannot start redis-server from PATH (" + e.getMessage()
                                + "): install Redis (e.g. apt-get install redis-server) or set REDIS_URL",
                        e);
            }
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!answers("127.0.0.1", port)) {
                if (System.nanoTime() > until || !process.isAlive()) {
                    throw new IllegalStateException("redis-server on port " + port + " did not start; see " + dir);
                }
                sleep(20);
            }
        }

        /** Stops the server and deletes its directory (data, AOF, log). */
        public synchronized void destroy() {
            stop();
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temp dir left behind is not worth failing a test for
            }
        }

        /** SIGTERM: Redis shuts down gracefully, flushing its AOF. */
        public synchronized void stop() {
            if (process != null) {
                process.destroy();
                try {
                    process.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                process = null;
            }
        }
    }

    static boolean answers(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 300);
            s.getOutputStream().write("PING\r\n".getBytes());
            byte[] reply = new byte[7];
            int n = s.getInputStream().read(reply);
            return n > 0 && new String(reply, 0, n).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
