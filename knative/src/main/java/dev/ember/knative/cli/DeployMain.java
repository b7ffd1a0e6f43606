package dev.ember.knative.cli;

import dev.ember.knative.autopilot.Autopilot;
import dev.ember.knative.autopilot.PrometheusRates;
import dev.ember.knative.autopilot.RateSource;
import dev.ember.knative.autopilot.ScrapedMetrics;
import dev.ember.knative.config.DeploymentConfig;
import dev.ember.knative.config.DeploymentConfigReader;
import dev.ember.knative.config.PoolModel;
import dev.ember.knative.deploy.Applier;
import dev.ember.knative.deploy.ApplyReport;
import dev.ember.knative.deploy.Cluster;
import dev.ember.knative.deploy.DeployException;
import dev.ember.knative.deploy.Inspector;
import dev.ember.knative.deploy.Rollouts;
import dev.ember.knative.deploy.Scaler;
import dev.ember.knative.render.Manifests;
import dev.ember.warmup.prewarm.RateHistoryStore;
import dev.ember.warmup.prewarm.RedisRateHistoryStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/ember deploy …}: Ember on Knative. The kubeconfig and its current namespace are found
 * the usual fabric8 way ({@code KUBECONFIG}, {@code ~/.kube/config}, in-cluster service account);
 * {@code --namespace} or the deployment config's {@code namespace} win. Every verb that writes takes
 * {@code --dry-run}: it then reads at most, and says what it would do.
 */
@Command(
        name = "ember deploy",
        mixinStandardHelpOptions = true,
        description = "Deploy Ember to Knative: render, apply, status, prewarm, rollout, rollback, scale-to-zero, "
                + "delete, autopilot.",
        subcommands = {
            DeployMain.Render.class,
            DeployMain.Apply.class,
            DeployMain.Status.class,
            DeployMain.Prewarm.class,
            DeployMain.Rollout.class,
            DeployMain.Rollback.class,
            DeployMain.ScaleToZero.class,
            DeployMain.Delete.class,
            DeployMain.AutopilotCommand.class
        })
public final class DeployMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the deployment comes from and goes to: shared by every verb. */
    static final class Target {
        @Option(
                names = "--models",
                defaultValue = "models",
                description = "The model repository (default ${DEFAULT-VALUE})")
        Path models;

        @Option(names = "--config", description = "Deployment config (YAML; default: built-in defaults)")
        Path config;

        @Option(
                names = {"-n", "--namespace"},
                description = "Namespace (default: the config's, else the kubeconfig's)")
        String namespace;

        @Option(names = "--context", description = "kubeconfig context (default: the current one)")
        String context;

        @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
        CommandLine.Model.CommandSpec spec;

        DeploymentConfig deployment() {
            return config == null ? DeploymentConfig.DEFAULTS : DeploymentConfigReader.read(config);
        }

        List<PoolModel> pools() {
            return PoolModel.scan(models);
        }

        KubernetesClient client(Duration timeout) {
            Config c = new ConfigBuilder(Config.autoConfigure(context))
                    .withConnectionTimeout((int) timeout.toMillis())
                    .withRequestTimeout((int) timeout.toMillis())
                    .withRequestRetryBackoffLimit(0)
                    .build();
            return new KubernetesClientBuilder().withConfig(c).build();
        }

        /** --namespace, else the config's, else the kubeconfig's, else "default". */
        String namespace(DeploymentConfig d, KubernetesClient client) {
            if (namespace != null) {
                return namespace;
            }
            return d.namespace()
                    .orElseGet(() -> Optional.ofNullable(client.getNamespace()).orElse("default"));
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }

    /** A verb that talks to the cluster. */
    abstract static class ClusterVerb implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public final Integer call() {
            DeploymentConfig d = target.deployment();
            try (KubernetesClient client = target.client(Duration.ofSeconds(10))) {
                Cluster cluster = new Cluster(client, target.namespace(d, client));
                run(cluster, d);
            }
            return 0;
        }

        abstract void run(Cluster cluster, DeploymentConfig deployment);
    }

    @Command(name = "render", description = "Print the manifests (YAML), or write one file per resource with --out.")
    static final class Render implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--out", description = "Folder to write <kind>-<name>.yaml files into")
        Path out;

        @Override
        public Integer call() throws IOException {
            DeploymentConfig d = target.deployment();
            String namespace;
            try (KubernetesClient client = target.client(Duration.ofSeconds(2))) {
                namespace = target.namespace(d, client); // read from the kubeconfig only; no request
            }
            Manifests m = Manifests.render(target.pools(), d, namespace);
            if (out == null) {
                target.out().print(m.toYaml());
                return 0;
            }
            Files.createDirectories(out);
            for (HasMetadata r : m.resources()) {
                Path file = out.resolve(r.getKind().toLowerCase(java.util.Locale.ROOT) + "-"
                        + r.getMetadata().getName() + ".yaml");
                Files.writeString(file, Manifests.toYaml(r));
                target.out().println("wrote " + file);
            }
            return 0;
        }
    }

    @Command(name = "apply", description = "Create or update the manifests in the cluster; twice changes nothing.")
    static final class Apply implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--dry-run", description = "Say what would change; write nothing (works without a cluster)")
        boolean dryRun;

        @Override
        public Integer call() {
            DeploymentConfig d = target.deployment();
            List<PoolModel> pools = target.pools();
            try (KubernetesClient client = target.client(Duration.ofSeconds(dryRun ? 3 : 10))) {
                String namespace = target.namespace(d, client);
                Manifests m = Manifests.render(pools, d, namespace);
                Cluster cluster = new Cluster(client, namespace);
                ApplyReport report;
                try {
                    cluster.services(); // fails first if there is no cluster or no Knative
                    report = new Applier(cluster).apply(m, dryRun);
                } catch (DeployException e) {
                    if (!dryRun) {
                        throw e;
                    }
                    target.out().println("# " + e.getMessage().split("\\. ")[0]);
                    target.out()
                            .println("# dry run: everything below would be created in namespace '" + namespace + "' ("
                                    + m.services().size() + " Knative Services)");
                    target.out().print(m.toYaml());
                    return 0;
                }
                for (ApplyReport.Change c : report.changes()) {
                    target.out().println((dryRun ? "would be " : "") + c);
                }
                if (dryRun) {
                    target.out().println("# dry run: nothing was changed. The Services:");
                    m.services().forEach(s -> target.out().print(Manifests.toYaml(s)));
                }
            }
            return 0;
        }
    }

    @Command(name = "status", description = "URLs, readiness, ready replicas, revisions, min-scale and traffic.")
    static final class Status extends ClusterVerb {
        @Override
        void run(Cluster cluster, DeploymentConfig deployment) {
            var statuses = new Inspector(cluster).status();
            if (statuses.isEmpty()) {
                target.out()
                        .println("no Ember Services in namespace '" + cluster.namespace() + "'; `deploy apply` first");
            }
            statuses.forEach(s -> target.out().println(s));
        }
    }

    @Command(name = "prewarm", description = "Hold at least N workers of a model (its min-scale).")
    static final class Prewarm extends ClusterVerb {
        @Option(names = "--model", required = true)
        String model;

        @Option(names = "--min", required = true, description = "Workers to keep warm")
        int min;

        @Option(
                names = "--for",
                converter = Durations.class,
                description = "How long (e.g. 30m); the autopilot keeps the floor until then")
        Duration hold;

        @Option(names = "--dry-run")
        boolean dryRun;

        @Override
        void run(Cluster cluster, DeploymentConfig deployment) {
            target.out()
                    .println(new Scaler(cluster).prewarm(model, min, Optional.ofNullable(hold), Instant.now(), dryRun));
        }
    }

    @Command(name = "rollout", description = "Give a new model version P % of the traffic (100: promote it).")
    static final class Rollout extends ClusterVerb {
        @Option(names = "--model", required = true)
        String model;

        @Option(names = "--version", required = true)
        long version;

        @Option(names = "--percent", required = true)
        int percent;

        @Option(names = "--dry-run")
        boolean dryRun;

        @Override
        void run(Cluster cluster, DeploymentConfig deployment) {
            target.out().println(new Rollouts(cluster).rollout(model, version, percent, dryRun));
        }
    }

    @Command(name = "rollback", description = "All traffic back to the revision that served before the rollout.")
    static final class Rollback extends ClusterVerb {
        @Option(names = "--model", required = true)
        String model;

        @Option(names = "--dry-run")
        boolean dryRun;

        @Override
        void run(Cluster cluster, DeploymentConfig deployment) {
            target.out().println(new Rollouts(cluster).rollback(model, dryRun));
        }
    }

    @Command(name = "scale-to-zero", description = "min-scale 0 on every Ember Service.")
    static final class ScaleToZero extends ClusterVerb {
        @Option(names = "--dry-run")
        boolean dryRun;

        @Override
        void run(Cluster cluster, DeploymentConfig deployment) {
            new Scaler(cluster).scaleToZero(dryRun).forEach(c -> target.out().println(c));
        }
    }

    @Command(name = "delete", description = "Delete everything Ember deployed in the namespace.")
    static final class Delete extends ClusterVerb {
        @Option(names = "--dry-run")
        boolean dryRun;

        @Override
        void run(Cluster cluster, DeploymentConfig deployment) {
            new Inspector(cluster)
                    .delete(dryRun)
                    .forEach(r -> target.out().println((dryRun ? "would delete " : "deleted ") + r));
        }
    }

    @Command(
            name = "autopilot",
            description = "Patch each pool's min-scale ahead of predicted load and back down, every interval.")
    static final class AutopilotCommand extends ClusterVerb {
        @Option(
                names = "--metrics",
                description = "The functions' Prometheus endpoint (e.g. http://POD:9000/q/metrics)")
        URI metrics;

        @Option(
                names = "--prometheus",
                defaultValue = "${env:PROMETHEUS_URL}",
                description = "A Prometheus HTTP API (default: $PROMETHEUS_URL)")
        URI prometheus;

        @Option(
                names = "--redis",
                defaultValue = "${env:REDIS_URL}",
                description = "Keep the rate history in this Redis (default: $REDIS_URL; else in memory)")
        String redis;

        @Option(names = "--interval", converter = Durations.class, defaultValue = "30s")
        Duration interval;

        @Option(
                names = "--latency",
                converter = Durations.class,
                defaultValue = "200ms",
                description = "Mean pool-call time assumed until one is measured (default ${DEFAULT-VALUE})")
        Duration latency;

        @Option(names = "--once", description = "One step, then exit")
        boolean once;

        @Option(names = "--dry-run", description = "Plan and log, patch nothing")
        boolean dryRun;

        @Override
        void run(Cluster cluster, DeploymentConfig deployment) {
            RateSource source;
            if (prometheus != null) {
                source = new PrometheusRates(prometheus);
            } else if (metrics != null) {
                source = new ScrapedMetrics(metrics);
            } else {
                throw new DeployException("say where request rates come from: --prometheus URL (or PROMETHEUS_URL) "
                        + "or --metrics http://FUNCTIONS:9000/q/metrics");
            }
            RedisClient redisClient = redis == null || redis.isBlank() ? null : RedisClient.create(redis);
            StatefulRedisConnection<String, byte[]> connection = redisClient == null
                    ? null
                    : redisClient.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
            try {
                RateHistoryStore store = connection == null
                        ? RateHistoryStore.inMemory(RateHistoryStore.DEFAULT_CAPACITY)
                        : new RedisRateHistoryStore(
                                () -> Optional.of(connection.async()),
                                "ember:",
                                RateHistoryStore.DEFAULT_CAPACITY,
                                Duration.ofSeconds(5));
                Clock clock = Clock.systemUTC();
                Autopilot autopilot = new Autopilot(
                        cluster,
                        target.pools(),
                        source,
                        store,
                        interval,
                        latency,
                        dryRun,
                        clock.instant(),
                        line -> target.out().println(line));
                do {
                    autopilot.tick(clock.instant());
                    target.out().flush();
                    if (!once) {
                        sleep(interval);
                    }
                } while (!once);
            } finally {
                if (connection != null) {
                    connection.close();
                    redisClient.shutdown();
                }
            }
        }

        private static void sleep(Duration d) {
            try {
                Thread.sleep(d.toMillis()); // the loop's pace; decisions take their time as a parameter
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeployException("interrupted");
            }
        }
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line; a {@link DeployException} or bad config is one line on {@code err} and exit 1. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new DeployMain());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("ember deploy: " + e.getMessage());
            return 1;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }
}
