package dev.ember.models;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The small models checked in under {@code models/}. Each is written as
 * {@code <dir>/<name>/1/model.onnx} plus {@code <dir>/<name>/config.yaml}. Everything is derived
 * from fixed seeds, so rerunning this reproduces the committed files byte for byte.
 */
public final class TinyModels {

    /** Input width, hidden widths, output width of {@code mlp-tiny}. */
    private static final int[] MLP_TINY_WIDTHS = {64, 256, 256, 8};

    private static final long MLP_TINY_SEED = 20240601L;

    public static final int EMBED_VOCAB = 64;
    public static final int EMBED_DIM = 4;
    public static final int EMBED_IDS = 8;
    private static final long EMBED_SEED = 7L;

    public static final int MASKED_ROWS = 3;
    public static final int MASKED_COLS = 4;

    private static final String MLP_CONFIG = """
            # Tiny MLP written by dev.ember.models.TinyModels (see models/README.md).
            max_batch_size: 32
            # Stack whatever is queued when a runner frees up; waiting for fuller batches only
            # adds latency for a model that computes a row in well under a microsecond.
            max_queue_delay_ms: 0
            instances: 1
            device: cpu
            # A model this small gains nothing from a second ONNX Runtime thread, and the handoff
            # between pool threads costs more than the math (measured: 47k vs 23k req/s on 2 cores).
            intra_op_threads: 1
            """;

    private static final String EMBED_CONFIG = """
            # Embedding lookup (Gather + ReduceMean) written by dev.ember.models.TinyModels (see models/README.md).
            max_batch_size: 16
            max_queue_delay_ms: 2
            """;

    private static final String MASKED_SUM_CONFIG = """
            # Masked row sum written by dev.ember.models.TinyModels (see models/README.md); it has no batch dimension, so it runs unbatched.
            """;

    private static final String IDENTITY_CONFIG = """
            # One Identity per datatype, written by dev.ember.models.TinyModels (see models/README.md).
            max_batch_size: 8
            max_queue_delay_ms: 1
            """;

    private TinyModels() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "models");
        for (TinyModel model : all()) {
            Path written = write(model, dir);
            System.out.printf("wrote %s (%d bytes)%n", written, Files.size(written));
        }
    }

    public static List<TinyModel> all() {
        return List.of(mlpTiny(), embedInt64(), maskedSum(), identityTypes());
    }

    /** Writes the model and its config under {@code dir}; returns the model file. */
    public static Path write(TinyModel model, Path dir) throws IOException {
        Path modelFile = modelFile(dir, model.name());
        OnnxModelWriter.write(model.graph(), modelFile);
        Files.writeString(configFile(dir, model.name()), model.config(), StandardCharsets.UTF_8);
        return modelFile;
    }

    public static Path modelFile(Path dir, String name) {
        return dir.resolve(name).resolve("1").resolve("model.onnx");
    }

    public static Path configFile(Path dir, String name) {
        return dir.resolve(name).resolve("config.yaml");
    }

    public static TinyModel mlpTiny() {
        return mlp("mlp-tiny", MLP_TINY_WIDTHS, MLP_TINY_SEED);
    }

    /** The weights inside {@code mlp-tiny}, for checking its outputs independently of ONNX. */
    public static List<DenseLayer> mlpTinyLayers() {
        return mlpLayers(MLP_TINY_WIDTHS, MLP_TINY_SEED);
    }

    public static List<DenseLayer> mlpLayers(int[] widths, long seed) {
        if (widths.length < 2) {
            throw new IllegalArgumentException("an MLP needs at least an input and an output width");
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<DenseLayer> layers = new ArrayList<>();
        for (int i = 0; i + 1 < widths.length; i++) {
            layers.add(DenseLayer.heUniform(widths[i], widths[i + 1], random));
        }
        return layers;
    }

    /**
     * An MLP {@code input [batch, widths[0]] -> logits [batch, widths[last]]} with ReLU between the
     * dense layers, plus {@code probabilities = Softmax(logits)} as a second output. The widths are a
     * parameter so benchmarks can pick a size that makes the per-request compute realistic.
     */
    public static TinyModel mlp(String name, int[] widths, long seed) {
        List<DenseLayer> layers = mlpLayers(widths, seed);
        List<Node> nodes = new ArrayList<>();
        List<Tensor> initializers = new ArrayList<>();
        String x = "input";
        for (int i = 0; i < layers.size(); i++) {
            DenseLayer layer = layers.get(i);
            boolean last = i == layers.size() - 1;
            String w = "dense" + i + ".weight";
            String b = "dense" + i + ".bias";
            initializers.add(layer.weightTensor(w));
            initializers.add(layer.biasTensor(b));
            String product = "dense" + i + ".matmul";
            String sum = last ? "logits" : "dense" + i + ".out";
            nodes.add(Node.of("MatMul", List.of(x, w), product));
            nodes.add(Node.of("Add", List.of(product, b), sum));
            if (last) {
                x = sum;
            } else {
                x = "relu" + i + ".out";
                nodes.add(Node.of("Relu", List.of(sum), x));
            }
        }
        nodes.add(Node.of("Softmax", List.of("logits"), "probabilities", Attribute.of("axis", -1L)));
        int classes = widths[widths.length - 1];
        Graph graph = new Graph(
                name,
                nodes,
                initializers,
                List.of(ValueInfo.batched("input", DataType.FLOAT, widths[0])),
                List.of(
                        ValueInfo.batched("logits", DataType.FLOAT, classes),
                        ValueInfo.batched("probabilities", DataType.FLOAT, classes)));
        return new TinyModel(name, graph, MLP_CONFIG);
    }

    /** The [EMBED_VOCAB][EMBED_DIM] table inside {@code embed-int64}. */
    public static float[][] embeddingTable() {
        SplittableRandom random = new SplittableRandom(EMBED_SEED);
        float[][] table = new float[EMBED_VOCAB][EMBED_DIM];
        for (float[] row : table) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) DenseLayer.symmetricUnit(random);
            }
        }
        return table;
    }

    /** {@code ids INT64 [batch, 8] -> Gather(table) -> ReduceMean(axis 1) -> embedding [batch, 4]}. */
    public static TinyModel embedInt64() {
        float[][] table = embeddingTable();
        float[] flat = new float[EMBED_VOCAB * EMBED_DIM];
        for (int i = 0; i < EMBED_VOCAB; i++) {
            System.arraycopy(table[i], 0, flat, i * EMBED_DIM, EMBED_DIM);
        }
        Graph graph = new Graph(
                "embed-int64",
                List.of(
                        Node.of("Gather", List.of("table", "ids"), "gathered", Attribute.of("axis", 0L)),
                        // Opset 17 still has ReduceMean-13, where axes is an attribute (it became an input in 18).
                        Node.of(
                                "ReduceMean",
                                List.of("gathered"),
                                "embedding",
                                Attribute.ints("axes", 1),
                                Attribute.of("keepdims", 0L))),
                List.of(Tensor.floats("table", List.of((long) EMBED_VOCAB, (long) EMBED_DIM), flat)),
                List.of(ValueInfo.batched("ids", DataType.INT64, EMBED_IDS)),
                List.of(ValueInfo.batched("embedding", DataType.FLOAT, EMBED_DIM)));
        return new TinyModel("embed-int64", graph, EMBED_CONFIG);
    }

    /** {@code sum[r] = sum of x[r][c] where mask[r][c]}; fixed shapes, no batch dimension. */
    public static TinyModel maskedSum() {
        Graph graph = new Graph(
                "masked-sum",
                List.of(
                        Node.of("Where", List.of("mask", "x", "zeros"), "masked"),
                        // ReduceSum-13 takes axes as a second input rather than an attribute.
                        Node.of("ReduceSum", List.of("masked", "axes"), "sum", Attribute.of("keepdims", 0L))),
                List.of(
                        Tensor.floats(
                                "zeros",
                                List.of((long) MASKED_ROWS, (long) MASKED_COLS),
                                new float[MASKED_ROWS * MASKED_COLS]),
                        Tensor.longs("axes", List.of(1L), new long[] {1})),
                List.of(
                        ValueInfo.fixed("x", DataType.FLOAT, MASKED_ROWS, MASKED_COLS),
                        ValueInfo.fixed("mask", DataType.BOOL, MASKED_ROWS, MASKED_COLS)),
                List.of(ValueInfo.fixed("sum", DataType.FLOAT, MASKED_ROWS)));
        return new TinyModel("masked-sum", graph, MASKED_SUM_CONFIG);
    }

    /** Input name for each datatype of {@code identity-types}; each output is the name plus {@code _out}. */
    public static List<ValueInfo> identityInputs() {
        return List.of(
                ValueInfo.batched("fp32", DataType.FLOAT, 2),
                ValueInfo.batched("fp16", DataType.FLOAT16, 2),
                ValueInfo.batched("int64", DataType.INT64, 2),
                ValueInfo.batched("int32", DataType.INT32, 2),
                ValueInfo.batched("uint8", DataType.UINT8, 2),
                ValueInfo.batched("bool", DataType.BOOL, 2),
                ValueInfo.batched("bytes", DataType.STRING, 2));
    }

    /** One Identity per datatype, all {@code [batch, 2]}: exercises tensor conversion of each type. */
    public static TinyModel identityTypes() {
        List<ValueInfo> inputs = identityInputs();
        List<Node> nodes = new ArrayList<>();
        List<ValueInfo> outputs = new ArrayList<>();
        for (ValueInfo input : inputs) {
            String out = input.name() + "_out";
            nodes.add(Node.of("Identity", List.of(input.name()), out));
            outputs.add(new ValueInfo(out, input.type(), input.shape()));
        }
        Graph graph = new Graph("identity-types", nodes, List.of(), inputs, outputs);
        return new TinyModel("identity-types", graph, IDENTITY_CONFIG);
    }
}
