package io.github.soapdl4j.examples.keras;

import org.bytedeco.hdf5.Attribute;
import org.bytedeco.hdf5.DataSet;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.PredType;
import org.bytedeco.hdf5.StrType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.bytedeco.hdf5.global.hdf5.H5F_ACC_TRUNC;
import static org.bytedeco.hdf5.global.hdf5.H5S_SCALAR;
import static org.bytedeco.hdf5.global.hdf5.H5T_VARIABLE;

/**
 * Writes a Deeplearning4j MLP as the HDF5 file Keras 2's {@code model.save("model.h5")} produces for a compiled
 * {@code Sequential} model of {@code Dense} layers, so that {@code KerasModelImport} can read it back. No Keras is
 * needed: the file is written with the {@code org.bytedeco} HDF5 preset that Deeplearning4j's importer reads with.
 *
 * <p>The layout:
 * <ul>
 *   <li>root attributes {@code keras_version}, {@code backend}, {@code model_config} and {@code training_config}
 *       (variable-length strings, as h5py stores Python strings);</li>
 *   <li>group {@code model_weights} with attributes {@code layer_names}, {@code backend} and
 *       {@code keras_version};</li>
 *   <li>per layer, group {@code model_weights/dense_i} with attribute {@code weight_names}
 *       ({@code dense_i/kernel:0}, {@code dense_i/bias:0}; fixed-length strings, as NumPy byte arrays are stored)
 *       and data sets {@code model_weights/dense_i/dense_i/kernel:0} ({@code [nIn, nOut]}) and {@code bias:0}
 *       ({@code [nOut]}), row-major float32.</li>
 * </ul>
 */
public final class KerasHdf5Writer {
    /** The Keras version written; the importer reads only its major version (the first character). */
    public static final String KERAS_VERSION = "2.4.0";
    static final String BACKEND = "tensorflow";

    static {
        Loader.load(org.bytedeco.hdf5.global.hdf5.class);
    }

    private KerasHdf5Writer() {
    }

    /**
     * Writes {@code net} to {@code file}, replacing it.
     *
     * @param net dense layers and a softmax cross-entropy output layer (see {@link KerasSequentialConfig#of})
     */
    public static void write(MultiLayerNetwork net, File file) {
        KerasSequentialConfig config = KerasSequentialConfig.of(net);
        // The HDF5 library is not thread-safe; Deeplearning4j's importer serializes on this lock too.
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            try (H5File h5 = new H5File(file.getPath(), H5F_ACC_TRUNC())) {
                writeString(h5, "keras_version", KERAS_VERSION);
                writeString(h5, "backend", BACKEND);
                writeString(h5, "model_config", config.modelConfig());
                writeString(h5, "training_config", config.trainingConfig());
                try (Group weights = h5.createGroup("model_weights")) {
                    writeStrings(weights, "layer_names", config.layerNames());
                    writeString(weights, "backend", BACKEND);
                    writeString(weights, "keras_version", KERAS_VERSION);
                    for (int i = 0; i < config.layerNames().size(); i++) {
                        writeLayer(weights, config.layerNames().get(i), net.getLayer(i).getParam("W"),
                                net.getLayer(i).getParam("b"));
                    }
                }
            }
        }
    }

    private static void writeLayer(Group weights, String name, INDArray kernel, INDArray bias) {
        try (Group layer = weights.createGroup(name); Group inner = layer.createGroup(name)) {
            writeStrings(layer, "weight_names", List.of(name + "/kernel:0", name + "/bias:0"));
            writeFloats(inner, "kernel:0", kernel, kernel.shape());
            writeFloats(inner, "bias:0", bias, new long[] {bias.length()});
        }
    }

    private static void writeFloats(Group group, String name, INDArray values, long[] shape) {
        // Deeplearning4j keeps dense weights column-major; HDF5 and the importer expect row-major.
        float[] data = values.castTo(DataType.FLOAT).dup('c').data().asFloat();
        try (DataSpace space = new DataSpace(shape.length, shape);
             DataSet set = group.createDataSet(name, PredType.IEEE_F32LE(), space);
             FloatPointer buffer = new FloatPointer(data)) {
            set.write(buffer, PredType.NATIVE_FLOAT());
        }
    }

    private static void writeString(Group location, String name, String value) {
        try (StrType type = new StrType(PredType.C_S1(), H5T_VARIABLE());
             DataSpace scalar = new DataSpace(H5S_SCALAR);
             Attribute attribute = location.createAttribute(name, type, scalar)) {
            attribute.write(type, value);
        }
    }

    private static void writeStrings(Group location, String name, List<String> values) {
        int width = Math.max(1, values.stream().mapToInt(v -> v.getBytes(StandardCharsets.UTF_8).length).max()
                .orElse(1));
        byte[] padded = new byte[width * values.size()];
        for (int i = 0; i < values.size(); i++) {
            byte[] bytes = values.get(i).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(bytes, 0, padded, i * width, bytes.length);
        }
        try (StrType type = new StrType(PredType.C_S1(), width);
             DataSpace space = new DataSpace(1, new long[] {values.size()});
             Attribute attribute = location.createAttribute(name, type, space);
             BytePointer buffer = new BytePointer(padded)) {
            // Through Pointer, not BytePointer: the BytePointer overload takes a C++ std::string.
            attribute.write(type, (Pointer) buffer);
        }
    }
}
