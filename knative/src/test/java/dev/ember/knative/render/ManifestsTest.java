package dev.ember.knative.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ember.knative.Fixtures;
import dev.ember.knative.config.DeploymentConfig;
import dev.ember.knative.config.DeploymentConfigReader;
import dev.ember.knative.config.PoolModel;
import dev.ember.pool.api.EventTypes;
import io.fabric8.knative.eventing.v1.Broker;
import io.fabric8.knative.eventing.v1.Trigger;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestsTest {
    /** {@code -Dember.golden.update=true} rewrites the golden file from what is rendered now. */
    private static final boolean UPDATE = Boolean.getBoolean("ember.golden.update");

    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "Service", Service.class, "ConfigMap", ConfigMap.class, "Broker", Broker.class, "Trigger", Trigger.class);

    private final Manifests manifests = Fixtures.manifests("inference");

    @Test
    void theRenderedManifestsAreTheGoldenOnes() throws Exception {
        Path golden = Path.of("src/test/resources/golden/manifests.yaml");
        String rendered = manifests.toYaml();
        if (UPDATE) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, rendered);
        }
        assertThat(rendered).isEqualTo(Files.readString(golden));
    }

    @Test
    void everyDocumentDeserializesIntoItsFabric8TypeWithNoUnknownProperty() throws Exception {
        ObjectMapper yaml =
                new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        String[] documents = manifests.toYaml().split("(?m)^---\\n");
        int checked = 0;
        for (String doc : documents) {
            if (doc.isBlank()) {
                continue;
            }
            String kind = yaml.readTree(doc).get("kind").asText();
            assertThat(KINDS).containsKey(kind);
            HasMetadata model = yaml.readValue(doc, KINDS.get(kind));
            StrictModel.assertNoUnknownProperties(model);
            checked++;
        }
        // ConfigMap, det, vad, functions, Broker, two Triggers.
        assertThat(checked).isEqualTo(7);
    }

    @Test
    void anUnknownFieldIsCaughtByTheStrictCheck() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        Service typo = yaml.readValue("""
                apiVersion: serving.knative.dev/v1
                kind: Service
                metadata: {name: x}
                spec: {template: {spec: {containerConcurency: 10}}}
                """, Service.class);
        assertThatThrownBy(() -> StrictModel.assertNoUnknownProperties(typo))
                .hasMessageContaining("spec.template.spec");
    }

    @Test
    void aCudaModelsPoolAsksForAGpuAndItsScalingComesFromConfigYaml() {
        Service det = service("ember-pool-det");
        Map<String, String> a = det.getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(a)
                .containsEntry(Labels.MIN_SCALE, "1")
                .containsEntry(Labels.MAX_SCALE, "6")
                .containsEntry(Labels.INITIAL_SCALE, "2")
                .containsEntry(Labels.TARGET, "16") // max batch 8 × 2 instances
                .containsEntry(Labels.WINDOW, "120s");
        Container worker = det.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(worker.getImage()).isEqualTo("registry.example.com/ember/worker-gpu:1.2.3");
        assertThat(worker.getResources().getLimits()).containsKey("nvidia.com/gpu");
        assertThat(worker.getArgs()).containsSequence("--model", "det");
        assertThat(worker.getStartupProbe().getHttpGet().getPath()).isEqualTo("/v2/health/ready");
        assertThat(worker.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/ready");

        Service vad = service("ember-pool-vad");
        Container cpu = vad.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(cpu.getImage()).isEqualTo("registry.example.com/ember/worker:1.2.3");
        assertThat(cpu.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
        // Never batches: one request at a time per runner; min 0, initial at least 1.
        assertThat(vad.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry(Labels.TARGET, "1")
                .containsEntry(Labels.MIN_SCALE, "0")
                .containsEntry(Labels.INITIAL_SCALE, "1");
    }

    @Test
    void theFunctionsScaleToZeroProbeTheManagementPortAndReadRedisAndTenantsFromSecrets() {
        Service f = service("ember-functions");
        var template = f.getSpec().getTemplate();
        assertThat(template.getMetadata().getAnnotations())
                .containsEntry(Labels.MIN_SCALE, "0")
                .containsEntry(Labels.TARGET, "70")
                .containsEntry(Labels.MAX_SCALE, "20")
                .containsEntry(Labels.RETENTION, "120s");
        assertThat(template.getSpec().getContainerConcurrency()).isEqualTo(100L);
        Container c = template.getSpec().getContainers().get(0);
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(c.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(9000);
        assertThat(c.getEnv())
                .anySatisfy(e -> {
                    assertThat(e.getName()).isEqualTo("REDIS_URL");
                    assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("ember-secrets");
                })
                .anySatisfy(e -> assertThat(e.getName()).isEqualTo("EMBER_TENANTS_FILE"));
        assertThat(template.getSpec().getVolumes().get(0).getSecret().getSecretName())
                .isEqualTo("ember-tenants");
        ConfigMap config = (ConfigMap) manifests.resources().get(0);
        assertThat(config.getData())
                .containsEntry("POOL_URL", "http://ember-pool-{model}.inference.svc.cluster.local")
                .containsEntry("K_SINK", "http://broker-ingress.knative-eventing.svc.cluster.local/inference/default");
    }

    @Test
    void triggersAreRenderedFromTheEventTypesTheFunctionsConsume() {
        List<Trigger> triggers = manifests.resources().stream()
                .filter(Trigger.class::isInstance)
                .map(Trigger.class::cast)
                .toList();
        assertThat(triggers)
                .extracting(t -> t.getSpec().getFilter().getAttributes().get("type"))
                .containsExactly(EventTypes.REQUESTED, EventTypes.SUBMITTED);
        assertThat(triggers)
                .allSatisfy(t -> assertThat(t.getSpec().getSubscriber().getRef().getName())
                        .isEqualTo("ember-functions"));
        Manifests noBroker =
                Manifests.render(Fixtures.pools(), DeploymentConfigReader.parse("broker: \"\""), "inference");
        assertThat(noBroker.resources()).noneMatch(r -> r instanceof Trigger || r instanceof Broker);
    }

    @Test
    void badInputSaysWhatToChange(@TempDir Path repo) throws Exception {
        Files.createDirectories(repo.resolve("My_Model").resolve("1"));
        Files.write(repo.resolve("My_Model").resolve("1").resolve("model.onnx"), new byte[0]);
        assertThatThrownBy(() -> PoolModel.scan(repo))
                .hasMessageContaining("ember-pool-My_Model")
                .hasMessageContaining("rename its folder");
        assertThatThrownBy(() -> DeploymentConfigReader.parse("worker_imag: x")).hasMessageContaining("worker_imag");
        assertThatThrownBy(() -> DeploymentConfigReader.parse("functions: {target: 500, container_concurrency: 100}"))
                .hasMessageContaining("functions.target");
        assertThat(DeploymentConfigReader.parse("")).isEqualTo(DeploymentConfig.DEFAULTS);
    }

    private Service service(String name) {
        return manifests.services().stream()
                .filter(s -> s.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow();
    }
}
