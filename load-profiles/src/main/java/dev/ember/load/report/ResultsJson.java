package dev.ember.load.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;

/** Results as JSON (snake_case keys), the machine-readable twin of the HTML report. */
public final class ResultsJson {
    public static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private ResultsJson() {}

    public static void write(Path file, Object result) throws IOException {
        JSON.writeValue(file.toFile(), result);
    }
}
