package io.github.soapdl4j.tests;

import io.github.soapdl4j.Soap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * Replays a golden case through a real {@link MultiLayerNetwork}'s updater: the recorded gradients go into the
 * network's gradient view, DL4J's updater turns them into updates, and the network subtracts them.
 */
final class GoldenReplay {
    private GoldenReplay() {
    }

    /** Builds the case's network (same layers, the case's Soap, {@code type}) with the recorded initial values. */
    static MultiLayerNetwork network(GoldenCase c, DataType type) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .dataType(type)
                .updater(c.soap)
                .list();
        for (GoldenCase.Layer l : c.layers) {
            if (l.type.equals("dense")) {
                list.layer(new DenseLayer.Builder().nIn(l.nIn).nOut(l.nOut).activation(Activation.IDENTITY).build());
            } else if (l.type.equals("conv")) {
                list.layer(new ConvolutionLayer.Builder(l.kernel, l.kernel).nIn(l.nIn).nOut(l.nOut)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build());
            } else {
                throw new IllegalArgumentException("Unknown golden layer type " + l.type);
            }
        }
        MultiLayerNetwork net = new MultiLayerNetwork(list.build());
        net.init();
        net.initGradientsView();
        for (int i = 0; i < c.layers.size(); i++) {
            for (GoldenCase.Param p : c.layers.get(i).params) {
                net.getLayer(i).getParam(p.name).assign(logical(p.init, p.shape, type));
            }
        }
        return Soap.bind(net);
    }

    /** Runs step {@code t} of the case: the recorded gradients through the network's updater. */
    static void step(MultiLayerNetwork net, GoldenCase c, int t) {
        for (int i = 0; i < c.layers.size(); i++) {
            Map<String, INDArray> grads = gradientViews(net.getLayer(i));
            for (GoldenCase.Param p : c.layers.get(i).params) {
                grads.get(p.name).assign(logical(p.grads[t], p.shape, net.params().dataType()));
            }
        }
        net.getUpdater().update(net, new DefaultGradient(net.getFlattenedGradients()), t, 0, 1,
                LayerWorkspaceMgr.noWorkspaces());
        net.params().subi(net.getFlattenedGradients().reshape(net.params().shape()));
    }

    /**
     * The error measure of the golden cases at step {@code t}, over all parameters of the case:
     * {@code ||p - expected|| / ||expected - init||}, or {@code ||p - init||} where expected equals init.
     */
    static double relativeError(MultiLayerNetwork net, GoldenCase c, int t) {
        double err = 0;
        double move = 0;
        for (int i = 0; i < c.layers.size(); i++) {
            for (GoldenCase.Param p : c.layers.get(i).params) {
                INDArray actual = net.getLayer(i).getParam(p.name).castTo(DataType.DOUBLE);
                INDArray expected = logical(p.expected[t], p.shape, DataType.DOUBLE);
                INDArray init = logical(p.init, p.shape, DataType.DOUBLE);
                err += Math.pow(actual.distance2(expected), 2);
                move += Math.pow(expected.distance2(init), 2);
            }
        }
        return move == 0 ? Math.sqrt(err) : Math.sqrt(err / move);
    }

    static Map<String, INDArray> gradientViews(Layer layer) {
        return layer.conf().getLayer().initializer().getGradientsFromFlattened(layer.conf(),
                layer.getGradientsViewArray());
    }

    /** A row-major recorded tensor as an array of its logical shape. */
    static INDArray logical(double[] rowMajor, long[] shape, DataType type) {
        return Nd4j.create(rowMajor, shape, 'c').castTo(type);
    }
}
