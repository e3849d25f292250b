package io.github.soapdl4j.tests;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * User-defined SameDiff layers (DL4J's extension point for custom layers): a tanh dense layer, a softmax output
 * and a tanh dense graph vertex. Deeplearning4j's JSON reads and writes configuration fields directly, so their
 * {@code nIn} and {@code nOut} need no accessors.
 */
final class SameDiffDenseLayers {
    private SameDiffDenseLayers() {
    }

    private static void init(Map<String, INDArray> params, long nIn) {
        // Seeded by the network's init(), so two networks of one configuration start alike.
        params.get("W").assign(Nd4j.randn(params.get("W").dataType(), params.get("W").shape())
                .divi(Math.sqrt(nIn)));
        params.get("b").assign(0);
    }

    /** {@code tanh(x W + b)}. */
    static final class Dense extends SameDiffLayer {
        private long nIn;
        private long nOut;

        private Dense() {
        }

        Dense(long nIn, long nOut) {
            this.nIn = nIn;
            this.nOut = nOut;
        }

        @Override
        public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> params, SDVariable mask) {
            return sd.math().tanh(input.mmul(params.get("W")).add(params.get("b")));
        }

        @Override
        public void defineParameters(SDLayerParams params) {
            params.addWeightParam("W", nIn, nOut);
            params.addBiasParam("b", 1, nOut);
        }

        @Override
        public void initializeParameters(Map<String, INDArray> params) {
            init(params, nIn);
        }

        @Override
        public InputType getOutputType(int layerIndex, InputType inputType) {
            return InputType.feedForward(nOut);
        }
    }

    /** {@code softmax(x W + b)} with a mean cross-entropy loss. */
    static final class Output extends SameDiffOutputLayer {
        private long nIn;
        private long nOut;

        private Output() {
        }

        Output(long nIn, long nOut) {
            this.nIn = nIn;
            this.nOut = nOut;
        }

        @Override
        public SDVariable defineLayer(SameDiff sd, SDVariable input, SDVariable labels, Map<String, SDVariable> params) {
            SDVariable logits = input.mmul(params.get("W")).add(params.get("b"));
            sd.nn().softmax("out", logits, 1);
            return sd.loss().softmaxCrossEntropy("loss", labels, logits, null);
        }

        @Override
        public String activationsVertexName() {
            return "out";
        }

        @Override
        public void defineParameters(SDLayerParams params) {
            params.addWeightParam("W", nIn, nOut);
            params.addBiasParam("b", 1, nOut);
        }

        @Override
        public void initializeParameters(Map<String, INDArray> params) {
            init(params, nIn);
        }

        @Override
        public InputType getOutputType(int layerIndex, InputType inputType) {
            return InputType.feedForward(nOut);
        }
    }

    /** {@code tanh(x W + b)} as a graph vertex: parameters held by a vertex that is not a layer. */
    static final class Vertex extends SameDiffVertex {
        private long nIn;
        private long nOut;

        private Vertex() {
        }

        Vertex(long nIn, long nOut) {
            this.nIn = nIn;
            this.nOut = nOut;
        }

        @Override
        public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> inputs, Map<String, SDVariable> params,
                                       Map<String, SDVariable> masks) {
            return sd.math().tanh(inputs.get("in").mmul(params.get("W")).add(params.get("b")));
        }

        @Override
        public void defineParametersAndInputs(SDVertexParams params) {
            params.defineInputs("in");
            params.addWeightParam("W", nIn, nOut);
            params.addBiasParam("b", 1, nOut);
        }

        @Override
        public void initializeParameters(Map<String, INDArray> params) {
            init(params, nIn);
        }

        @Override
        public InputType getOutputType(int layerIndex, InputType... inputs) {
            return InputType.feedForward(nOut);
        }

        @Override
        public Vertex clone() {
            return new Vertex(nIn, nOut);
        }
    }
}
