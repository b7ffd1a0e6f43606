package dev.ember.knative.render;

import dev.ember.knative.config.DeploymentConfig;
import dev.ember.knative.config.PoolModel;
import dev.ember.pool.api.config.ModelConfig;
import dev.ember.pool.api.config.ScalingSettings;
import dev.ember.warmup.prepare.PreparedLayout;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One model's pool: a Knative Service {@code ember-pool-<model>} whose pods are workers serving that
 * model only ({@code --model}). Its scaling comes from the model's config.yaml:
 *
 * <ul>
 *   <li>{@code min-scale} = {@code min_warm} (the autopilot and {@code deploy prewarm} move it
 *       later; {@code deploy apply} leaves a live value alone), {@code max-scale} = {@code
 *       max_workers}, {@code initial-scale} = {@code initial_scale} but at least 1 (Knative refuses 0
 *       unless the cluster allows it, and a first revision needs a pod to become ready), the
 *       stable {@code window};
 *   <li>the concurrency target is what one worker can hold at once: max batch size × instances
 *       (ppocr-det on CPU: 2 × 2 = 4), so Knative adds a pod when every runner has a full batch;
 *       no hard {@code containerConcurrency}: the worker's own priority queues admit or answer 429;
 *   <li>{@code nvidia.com/gpu: 1} and the GPU image for a {@code device: cuda} model;
 *   <li>a startup probe (loading and warming a model takes seconds) and a readiness probe on the
 *       worker's {@code /v2/health/ready}, which answers 200 only once every batch shape is warm;
 *   <li>the class-data archive and optimized models that {@code warmup prepare} put in the image.
 * </ul>
 */
final class PoolService {
    static final int HTTP_PORT = 8080;

    private PoolService() {}

    /** The concurrency one worker pod carries: max batch size (1 if it never batches) × instances. */
    static int concurrencyTarget(ModelConfig config) {
        return Math.max(1, config.maxBatchSize()) * config.instances();
    }

    static Service render(PoolModel model, DeploymentConfig config, String namespace) {
        ModelConfig c = model.config();
        ScalingSettings s = c.scaling();
        Map<String, String> annotations = new TreeMap<>();
        annotations.put(Labels.MIN_SCALE, Integer.toString(s.minWarm()));
        annotations.put(Labels.MAX_SCALE, Integer.toString(s.maxWorkers()));
        annotations.put(Labels.INITIAL_SCALE, Integer.toString(Math.max(1, s.initialScale())));
        annotations.put(Labels.METRIC, "concurrency");
        annotations.put(Labels.TARGET, Integer.toString(concurrencyTarget(c)));
        annotations.put(Labels.WINDOW, s.stableWindow().toSeconds() + "s");
        annotations.put(Labels.RETENTION, s.scaleToZeroGrace().toSeconds() + "s");

        boolean gpu = c.device().isGpu();
        PreparedLayout prepared = PreparedLayout.inImage();
        Map<String, Quantity> requests = new TreeMap<>();
        requests.put("cpu", new Quantity(config.pool().cpu()));
        requests.put("memory", new Quantity(config.pool().memory()));
        Map<String, Quantity> limits = new TreeMap<>();
        limits.put("memory", new Quantity(config.pool().memory()));
        if (gpu) {
            limits.put("nvidia.com/gpu", new Quantity("1"));
        }
        String jvm = (config.pool().jvmOptions() + " " + prepared.jvmOptions()).trim();

        return new ServiceBuilder()
                .withNewMetadata()
                .withName(model.serviceName())
                .withNamespace(namespace)
                .withLabels(Labels.ofModel(model.name()))
                .withAnnotations(Map.of(Labels.MIN_WARM, Integer.toString(s.minWarm())))
                .endMetadata()
                .withNewSpec()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(Labels.ofModel(model.name()))
                .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                .withContainerConcurrency(0L)
                .withTimeoutSeconds(300L)
                .withContainers(new ContainerBuilder()
                        .withName("worker")
                        .withImage(gpu ? config.workerGpuImage() : config.workerImage())
                        .withArgs(List.of(
                                "--models",
                                PreparedLayout.IMAGE_MODELS,
                                "--model",
                                model.name(),
                                "--host",
                                "0.0.0.0",
                                "--port",
                                Integer.toString(HTTP_PORT),
                                "--cache-dir",
                                prepared.optimizedModels().toString()))
                        .withEnv(new EnvVar("JAVA_TOOL_OPTIONS", jvm, null))
                        .addNewPort()
                        .withName("http1")
                        .withContainerPort(HTTP_PORT)
                        .endPort()
                        .withNewResources()
                        .withRequests(requests)
                        .withLimits(limits)
                        .endResources()
                        // Up to 5 minutes to load and warm (a GPU's per-shape search is seconds each).
                        .withStartupProbe(probe(1, 300))
                        .withReadinessProbe(probe(5, 3))
                        .build())
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private static Probe probe(int periodSeconds, int failures) {
        return new ProbeBuilder()
                .withNewHttpGet()
                .withPath("/v2/health/ready")
                .withPort(new IntOrString(HTTP_PORT))
                .endHttpGet()
                .withPeriodSeconds(periodSeconds)
                .withFailureThreshold(failures)
                .build();
    }
}
