package dev.ember.knative.render;

import dev.ember.knative.config.DeploymentConfig;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The functions' Knative Service {@code ember-functions}: scale to zero, a hard and a soft
 * concurrency limit, probes on the management interface's health checks (port 9000, where {@code
 * /q/metrics} is scraped too), its settings from the {@code ember-config} ConfigMap and {@code
 * REDIS_URL} (and the tenants file, when authentication is on) from Secrets.
 */
final class FunctionsService {
    static final String NAME = "ember-functions";
    static final int HTTP_PORT = 8080;
    /** Quarkus's management interface: health and metrics, not on the public port. */
    static final int MANAGEMENT_PORT = 9000;

    static final String TENANTS_DIR = "/etc/ember/tenants";

    private FunctionsService() {}

    static Service render(DeploymentConfig config, String namespace) {
        DeploymentConfig.Functions f = config.functions();
        Map<String, String> annotations = new TreeMap<>();
        annotations.put(Labels.MIN_SCALE, "0");
        if (f.maxScale() > 0) {
            annotations.put(Labels.MAX_SCALE, Integer.toString(f.maxScale()));
        }
        annotations.put(Labels.TARGET, Integer.toString(f.target()));
        annotations.put(Labels.RETENTION, f.scaleToZeroRetention().toSeconds() + "s");
        annotations.put("prometheus.io/scrape", "true");
        annotations.put("prometheus.io/port", Integer.toString(MANAGEMENT_PORT));
        annotations.put("prometheus.io/path", "/q/metrics");

        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVarBuilder()
                .withName("REDIS_URL")
                .withNewValueFrom()
                .withNewSecretKeyRef("redis-url", config.secretName(), false)
                .endValueFrom()
                .build());
        List<VolumeMount> mounts = new ArrayList<>();
        List<Volume> volumes = new ArrayList<>();
        config.tenantsSecret().ifPresent(secret -> {
            env.add(new EnvVar("EMBER_TENANTS_FILE", TENANTS_DIR + "/tenants.yaml", null));
            mounts.add(new VolumeMountBuilder()
                    .withName("tenants")
                    .withMountPath(TENANTS_DIR)
                    .withReadOnly(true)
                    .build());
            volumes.add(new VolumeBuilder()
                    .withName("tenants")
                    .withNewSecret()
                    .withSecretName(secret)
                    .endSecret()
                    .build());
        });

        return new ServiceBuilder()
                .withNewMetadata()
                .withName(NAME)
                .withNamespace(namespace)
                .withLabels(Labels.of("functions"))
                .endMetadata()
                .withNewSpec()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(Labels.of("functions"))
                .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                .withContainerConcurrency((long) f.containerConcurrency())
                .withContainers(new ContainerBuilder()
                        .withName("functions")
                        .withImage(config.functionsImage())
                        .addNewPort()
                        .withName("http1")
                        .withContainerPort(HTTP_PORT)
                        .endPort()
                        .addNewEnvFrom()
                        .withNewConfigMapRef(ConfigMaps.NAME, false)
                        .endEnvFrom()
                        .withEnv(env)
                        .withVolumeMounts(mounts)
                        .withLivenessProbe(probe("/q/health/live", 10, 3))
                        .withReadinessProbe(probe("/q/health/ready", 2, 3))
                        .build())
                .withVolumes(volumes)
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private static Probe probe(String path, int periodSeconds, int failures) {
        return new ProbeBuilder()
                .withNewHttpGet()
                .withPath(path)
                .withPort(new IntOrString(MANAGEMENT_PORT))
                .endHttpGet()
                .withPeriodSeconds(periodSeconds)
                .withFailureThreshold(failures)
                .build();
    }
}
