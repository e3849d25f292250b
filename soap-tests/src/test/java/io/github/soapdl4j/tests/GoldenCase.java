package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** One reference trajectory of the reference implementation, stored in the test resources under golden/. */
final class GoldenCase {
    static final String[] NAMES = {"two_dense_square", "dense_one_sided", "conv_merge_dims",
            "dense_no_bias_correction", "dense_betas_freq3"};

    final String name;
    final int steps;
    final Soap soap;
    final List<Layer> layers = new ArrayList<>();

    static final class Layer {
        String type;
        int nIn;
        int nOut;
        int kernel;
        final List<Param> params = new ArrayList<>();
    }

    static final class Param {
        String name;
        long[] shape;
        double[] init;
        double[][] grads;
        double[][] expected;
    }

    private GoldenCase(String name, JsonNode root) {
        this.name = name;
        this.steps = root.get("steps").asInt();
        JsonNode h = root.get("hyper");
        this.soap = Soap.builder()
                .learningRate(h.get("lr").asDouble())
                .beta1(h.get("betas").get(0).asDouble())
                .beta2(h.get("betas").get(1).asDouble())
                .shampooBeta(h.get("shampoo_beta").asDouble())
                .epsilon(h.get("eps").asDouble())
                .preconditionFrequency(h.get("precondition_frequency").asInt())
                .maxPreconditionDim(h.get("max_precond_dim").asInt())
                .mergeDims(h.get("merge_dims").asBoolean())
                .precondition1d(h.get("precondition_1d").asBoolean())
                .normalizeGradients(h.get("normalize_grads").asBoolean())
                .correctBias(h.get("correct_bias").asBoolean())
                .build();
        if (h.get("weight_decay").asDouble() != 0) {
            throw new IllegalStateException("Golden case " + name + " uses weight decay, which this replay omits");
        }
        for (JsonNode l : root.get("layers")) {
            Layer layer = new Layer();
            layer.type = l.get("type").asText();
            layer.nIn = l.get("nIn").asInt();
            layer.nOut = l.get("nOut").asInt();
            layer.kernel = l.has("kernel") ? l.get("kernel").asInt() : 0;
            for (JsonNode p : l.get("params")) {
                Param param = new Param();
                param.name = p.get("name").asText();
                param.shape = longs(p.get("shape"));
                param.init = doubles(p.get("init"));
                param.grads = new double[steps][];
                param.expected = new double[steps][];
                for (int t = 0; t < steps; t++) {
                    param.grads[t] = doubles(p.get("grads").get(t));
                    param.expected[t] = doubles(p.get("expected").get(t));
                }
                layer.params.add(param);
            }
            layers.add(layer);
        }
    }

    static GoldenCase load(String name) {
        try (InputStream in = GoldenCase.class.getResourceAsStream("/golden/" + name + ".json")) {
            if (in == null) {
                throw new IllegalStateException("Missing test resource golden/" + name + ".json");
            }
            return new GoldenCase(name, new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asDouble();
        }
        return out;
    }

    private static long[] longs(JsonNode a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asLong();
        }
        return out;
    }
}
