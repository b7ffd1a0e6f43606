package dev.ember.knative;

import dev.ember.knative.config.DeploymentConfig;
import dev.ember.knative.config.DeploymentConfigReader;
import dev.ember.knative.config.PoolModel;
import dev.ember.knative.render.Manifests;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/** The test repository (det on cuda, vad on cpu) and deployment config under src/test/resources. */
public final class Fixtures {
    private Fixtures() {}

    public static Path resource(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<PoolModel> pools() {
        return PoolModel.scan(resource("repo"));
    }

    public static DeploymentConfig deployment() {
        return DeploymentConfigReader.read(resource("deploy.yaml"));
    }

    public static Manifests manifests(String namespace) {
        return Manifests.render(pools(), deployment(), namespace);
    }
}
