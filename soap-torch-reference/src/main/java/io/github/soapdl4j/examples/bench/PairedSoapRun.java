package io.github.soapdl4j.examples.bench;

import io.github.soapdl4j.Soap;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.bytedeco.pytorch.global.torch.zeros;

/**
 * A network trained by its SOAP updater and, beside it, a copy of its parameters trained by the reference step on
 * libtorch ({@link TorchSoapReference}) with the same hyperparameters: both start from the same values and every
 * call gives both the same fresh random gradient. Each side's call can be timed on its own.
 */
final class PairedSoapRun {

    /** One parameter of the network, with its place in the flattened parameter and gradient arrays. */
    private record Slot(String key, long offset, long length, char order, long[] shape) {
        /** This parameter's part of a flattened array, in the parameter's shape. */
        INDArray of(INDArray flat) {
            return flat.reshape(flat.length()).get(NDArrayIndex.interval(offset, offset + length))
                    .reshape(order, shape);
        }

        /** The shape the reference sees: Deeplearning4j's {@code [1, n]} biases are vectors to SOAP. */
        long[] referenceShape() {
            return shape.length == 2 && shape[0] == 1 ? new long[]{shape[1]} : shape;
        }
    }

    private final MultiLayerNetwork net;
    private final INDArray params;
    private final INDArray grads;
    /** The update, as the updater leaves it in the gradient array, in the parameters' shape (a view). */
    private final INDArray update;
    private final INDArray start;
    private final INDArray noise;
    private final List<Slot> slots = new ArrayList<>();
    private final TorchSoapReference reference;
    private final List<Tensor> referenceParams = new ArrayList<>();
    private final List<Tensor> referenceGrads = new ArrayList<>();
    private final boolean doubles;
    private int calls;

    /** @param net an initialized network whose updater is {@code soap}, bound */
    PairedSoapRun(MultiLayerNetwork net, Soap soap) {
        this(net, soap, soap);
    }

    /** @param referenceSettings the hyperparameters the reference runs with */
    private PairedSoapRun(MultiLayerNetwork net, Soap soap, Soap referenceSettings) {
        this.net = net;
        this.params = net.params();
        this.grads = net.getFlattenedGradients();
        this.update = grads.reshape(params.shape());
        this.start = params.dup();
        this.doubles = params.dataType() == DataType.DOUBLE;
        this.noise = Nd4j.create(params.dataType(), grads.length());
        Soap r = referenceSettings;
        this.reference = new TorchSoapReference(r.getLearningRate(), r.getBeta1(), r.getBeta2(), r.getShampooBeta(),
                r.getEpsilon(), r.getPreconditionFrequency());
        TensorOptions options = new TensorOptions(doubles ? ScalarType.Double : ScalarType.Float);
        long base = params.offset();
        for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
            INDArray p = e.getValue();
            Slot slot = new Slot(e.getKey(), p.offset() - base, p.length(), p.ordering(), p.shape());
            slots.add(slot);
            Tensor value = zeros(slot.referenceShape(), options);
            write(slot.of(params), value);
            reference.add(value);
            referenceParams.add(value);
            referenceGrads.add(zeros(slot.referenceShape(), options));
        }
    }

    /**
     * One square float64 dense layer (with its bias) and its reference copy: a random square gradient gives both
     * factors full rank, so the first bases are determined and the two sides can only part by rounding.
     */
    static PairedSoapRun squareFloat64(int width, Soap soap) {
        return squareFloat64(width, soap, soap);
    }

    /** As {@link #squareFloat64(int, Soap)}, with other hyperparameters for the reference (a negative check). */
    static PairedSoapRun squareFloat64(int width, Soap soap, Soap referenceSettings) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(7)
                .dataType(DataType.DOUBLE).updater(soap).list()
                .layer(new DenseLayer.Builder().nIn(width).nOut(width).activation(Activation.IDENTITY).build())
                .build());
        net.init();
        net.initGradientsView();
        return new PairedSoapRun(Soap.bind(net), soap, referenceSettings);
    }

    /** Runs both sides for {@code calls} calls on fresh gradients, untimed. */
    void run(int calls) {
        for (int call = 0; call < calls; call++) {
            nextGradient();
            soapCall();
            referenceCall();
            endCall();
        }
    }

    /** Writes the next random gradient (scale 1e-2, as the updater benchmark's) for both sides; not timed. */
    void nextGradient() {
        Nd4j.randn(noise);
        grads.assign(noise.reshape(grads.shape()).muli(1e-2));
        for (int i = 0; i < slots.size(); i++) {
            write(slots.get(i).of(grads), referenceGrads.get(i));
        }
    }

    /**
     * This updater's call on the current gradient, and the subtraction of its update from the parameters (the
     * reference's step includes its {@code p.add_}).
     *
     * @return milliseconds
     */
    double soapCall() {
        long begin = System.nanoTime();
        net.getUpdater().update(net, new DefaultGradient(grads), calls, 0, 1, LayerWorkspaceMgr.noWorkspaces());
        params.subi(update);
        return (System.nanoTime() - begin) / 1e6;
    }

    /** @return milliseconds of the reference's step on the current gradient */
    double referenceCall() {
        long begin = System.nanoTime();
        reference.step(referenceGrads);
        return (System.nanoTime() - begin) / 1e6;
    }

    /** Ends a call of both sides. */
    void endCall() {
        calls++;
    }

    /** @return the calls both sides have made */
    int calls() {
        return calls;
    }

    /** @return the reference's step counter: it refreshed every basis at the end of the last call iff it is a
     *          positive multiple of the frequency */
    int referenceSteps() {
        return reference.stepCount();
    }

    /**
     * @return per parameter, how far apart the two sides are ({@code ‖this − reference‖_F}) over how far this
     *         updater moved it ({@code ‖this − start‖_F}), and that movement, in the network's order
     */
    Map<String, double[]> agreement() {
        Map<String, double[]> result = new LinkedHashMap<>();
        for (int i = 0; i < slots.size(); i++) {
            Slot slot = slots.get(i);
            INDArray mine = slot.of(params).dup('c');
            double moved = mine.sub(slot.of(start).dup('c')).norm2Number().doubleValue();
            double apart = mine.sub(read(referenceParams.get(i), mine.shape())).norm2Number().doubleValue();
            result.put(slot.key(), new double[]{apart / moved, moved});
        }
        return result;
    }

    /** Copies {@code a} (any order) into the contiguous tensor {@code t}, row-major. */
    private void write(INDArray a, Tensor t) {
        INDArray rowMajor = a.dup('c');
        if (doubles) {
            t.data_ptr_double().put(rowMajor.data().asDouble());
        } else {
            t.data_ptr_float().put(rowMajor.data().asFloat());
        }
    }

    private INDArray read(Tensor t, long[] shape) {
        Tensor c = t.contiguous();
        if (doubles) {
            double[] values = new double[(int) t.numel()];
            c.data_ptr_double().get(values);
            return Nd4j.create(values, shape, 'c');
        }
        float[] values = new float[(int) t.numel()];
        c.data_ptr_float().get(values);
        return Nd4j.create(values, shape, 'c');
    }
}
